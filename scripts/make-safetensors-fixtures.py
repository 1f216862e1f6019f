#!/usr/bin/python3
"""Writes safetensors fixtures for src/io tests, independently of lmkit's writer.

Run with Debian's Python (numpy): /usr/bin/python3 scripts/make-safetensors-fixtures.py
Outputs under test/fixtures/io/:

  ref-layout.safetensors   the layout the reference (Rust) writer produces:
                           tensors sorted by dtype (widest first) then name,
                           compact JSON, __metadata__ first, space-padded to 8.
  ref-writable.safetensors the same layout with only the dtypes lmkit writes
                           (F32, F16, BF16, F64, I32, U8): lmkit's writer must
                           reproduce it byte for byte.
  loose-layout.safetensors a valid file in a different style: pretty JSON with
                           spaces, keys in reverse order, no __metadata__, no padding.
  sharded/                 two shards + model.safetensors.index.json in the
                           format transformers writes (indent=2, sort_keys=True).
  safetensors-values.json  the values every tensor holds, as plain JSON.

The safetensors format is small enough to write from its spec; there is no
safetensors Python package on Debian.
"""
import json
import os
import struct

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'io')
# The reference Dtype enum, in increasing alignment order (sort key for the writer).
RANK = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']


def bf16_bits(x):
    """float32 -> bfloat16 bits, round to nearest even (what torch does)."""
    u = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def tensors():
    rng = np.random.default_rng(1234)
    f32 = rng.standard_normal((2, 3)).astype(np.float32)
    f16 = rng.standard_normal(5).astype(np.float16)
    bf = rng.standard_normal((3, 1)).astype(np.float32)
    out = {
        'model.embed.weight': ('F32', f32.shape, f32.tobytes(), f32.ravel().tolist()),
        'model.norm.weight': ('F16', f16.shape, f16.tobytes(), f16.astype(np.float32).ravel().tolist()),
        'lm_head.weight': ('BF16', bf.shape, bf16_bits(bf).tobytes(), bf16_bits(bf).astype(np.uint32).ravel().tolist()),
        'ids.i64': ('I64', (4,), np.array([0, -1, 2**31 - 1, 7], dtype='<i8').tobytes(), [0, -1, 2**31 - 1, 7]),
        'ids.i32': ('I32', (2, 2), np.array([[1, -2], [3, -4]], dtype='<i4').tobytes(), [1, -2, 3, -4]),
        'mask.u8': ('U8', (3,), bytes([0, 128, 255]), [0, 128, 255]),
        'mask.bool': ('BOOL', (2,), bytes([1, 0]), [1, 0]),
        'scale.f64': ('F64', (), np.array(np.pi, dtype='<f8').tobytes(), [float(np.pi)]),
    }
    return out


def write(path, items, metadata, compact, pad):
    header = {}
    if metadata is not None:
        header['__metadata__'] = metadata
    off = 0
    body = b''
    for name, (dtype, shape, data, _) in items:
        header[name] = {'dtype': dtype, 'shape': list(shape), 'data_offsets': [off, off + len(data)]}
        off += len(data)
        body += data
    text = json.dumps(header, separators=(',', ':') if compact else (', ', ': '), indent=None if compact else 1)
    raw = text.encode('utf-8')
    if pad:
        raw += b' ' * ((8 - len(raw) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(raw)))
        f.write(raw)
        f.write(body)


def main():
    os.makedirs(os.path.join(ROOT, 'sharded'), exist_ok=True)
    t = tensors()
    ref = sorted(t.items(), key=lambda kv: (-RANK.index(kv[1][0]), kv[0].encode('utf-8')))
    write(os.path.join(ROOT, 'ref-layout.safetensors'), ref, {'format': 'pt'}, compact=True, pad=True)
    writable = [kv for kv in ref if kv[1][0] not in ('I64', 'BOOL')]
    write(os.path.join(ROOT, 'ref-writable.safetensors'), writable, {'format': 'pt'}, compact=True, pad=True)
    write(os.path.join(ROOT, 'loose-layout.safetensors'), list(reversed(list(t.items()))), None, compact=False, pad=False)

    names = sorted(t)
    shards = [names[:3], names[3:]]
    weight_map = {}
    total = 0
    for i, group in enumerate(shards):
        fname = f'model-{i + 1:05d}-of-{len(shards):05d}.safetensors'
        items = sorted(((n, t[n]) for n in group), key=lambda kv: (-RANK.index(kv[1][0]), kv[0].encode('utf-8')))
        write(os.path.join(ROOT, 'sharded', fname), items, {'format': 'pt'}, compact=True, pad=True)
        for n in group:
            weight_map[n] = fname
            total += len(t[n][2])
    with open(os.path.join(ROOT, 'sharded', 'model.safetensors.index.json'), 'w') as f:
        f.write(json.dumps({'metadata': {'total_size': total}, 'weight_map': weight_map}, indent=2, sort_keys=True) + '\n')

    values = {n: {'dtype': d, 'shape': list(s), 'values': v} for n, (d, s, _, v) in t.items()}
    with open(os.path.join(ROOT, 'safetensors-values.json'), 'w') as f:
        json.dump(values, f, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
