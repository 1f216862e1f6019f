# Builds build/Release/lmkit_native.node, lmkit's native backend (see
# docs/native-backend.md). The kernels under native/kernels/ are compiled three
# times into static libraries, once per instruction set, each with its own
# -m flags and its own namespace (native/simd.h); native/cpu.cc picks one at run
# time. The glue (N-API, thread pool, work splitting) is built for the baseline
# target and never executes wide instructions itself.
{
  'variables': {
    'kernel_sources': [
      'native/kernels/table.cc',
      'native/kernels/gemm.cc',
      'native/kernels/gemv.cc',
      'native/kernels/gemv-x8.cc',
      'native/kernels/elementwise.cc',
      'native/kernels/convert.cc',
      'native/kernels/reduce.cc',
      'native/kernels/nn.cc',
      'native/kernels/optim.cc',
      'native/kernels/attention.cc',
    ],
    'common_cflags': ['-O3', '-fPIC', '-fno-math-errno', '-fvisibility=hidden', '-Wno-unused-function'],
  },
  'target_defaults': {
    'cflags_cc!': ['-std=gnu++17', '-O2', '-O0'],
    'cflags!': ['-O2', '-O0'],
    'cflags_cc': ['-std=gnu++20', '<@(common_cflags)'],
    'xcode_settings': {
      'OTHER_CPLUSPLUSFLAGS': ['-std=gnu++20', '<@(common_cflags)'],
    },
  },
  'targets': [
    {
      'target_name': 'lmkit_kernels_scalar',
      'type': 'static_library',
      'sources': ['<@(kernel_sources)'],
      'defines': ['LMKIT_ISA=0'],
    },
    {
      'target_name': 'lmkit_native',
      'sources': [
        'native/addon.cc',
        'native/bench-openblas.cc',
        'native/call.cc',
        'native/cpu.cc',
        'native/huge-alloc.cc',
        'native/ops-attention.cc',
        'native/ops-decode.cc',
        'native/ops-elementwise.cc',
        'native/ops-gemm.cc',
        'native/ops-index.cc',
        'native/ops-nn.cc',
        'native/ops-reduce.cc',
        'native/pool.cc',
      ],
      'dependencies': ['lmkit_kernels_scalar'],
      'libraries': ['-ldl', '-lpthread'],
      'conditions': [
        ['target_arch=="x64"', {
          'dependencies': ['lmkit_kernels_avx2', 'lmkit_kernels_avx512'],
        }],
      ],
    },
  ],
  'conditions': [
    ['target_arch=="x64"', {
      'targets': [
        {
          'target_name': 'lmkit_kernels_avx2',
          'type': 'static_library',
          'sources': ['<@(kernel_sources)'],
          'defines': ['LMKIT_ISA=1'],
          'cflags_cc': ['-mavx2', '-mfma', '-mf16c'],
        },
        {
          'target_name': 'lmkit_kernels_avx512',
          'type': 'static_library',
          'sources': ['<@(kernel_sources)'],
          'defines': ['LMKIT_ISA=2'],
          'cflags_cc': ['-Wno-uninitialized', '-Wno-maybe-uninitialized', '-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mavx2', '-mfma', '-mf16c'],
        },
      ],
    }],
  ],
}
