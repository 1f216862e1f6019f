#!/usr/bin/python3
"""Quantization fixtures for src/io/quant tests, computed independently with numpy.

Run with Debian's Python: /usr/bin/python3 scripts/make-quant-fixtures.py
Writes test/fixtures/io/quant/:

  x.f32            ROWS x COLS float32 inputs (several value distributions)
  v.f32            COLS float32 activations
  q8_0.bin q4_0.bin  the inputs quantized as ggml's quantize_row_q8_0_ref /
                   quantize_row_q4_0_ref do it (float32 arithmetic, C roundf
                   halves away from zero, numpy's float16 conversion)
  q4_k.bin q6_k.bin  random super-blocks (finite f16 scales)
  q4_k.f32 q6_k.f32  those blocks dequantized as dequantize_row_q4_K / _q6_K
  dots.json        per row: q8_0 and q4_0 rows against the Q8_0-quantized
                   activations (ggml_vec_dot_*_q8_0_generic) and against the
                   f32 activations (lmkit's f32-activation reference order)

Only the format descriptions and the reference algorithms are followed here;
no lmkit or ggml code is used, so the fixtures check lmkit independently.
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'io', 'quant')
ROWS, COLS = 8, 256
F = np.float32


def round_away(x):
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def f16_bytes(v):
    return np.asarray(v, dtype=np.float32).astype(np.float16).tobytes()


def f16_value(v):
    return F(np.float32(v).astype(np.float16))


def q8_0(x):
    out = bytearray()
    for b in x.reshape(-1, 32):
        amax = F(np.max(np.abs(b)))
        d = F(amax / F(127))
        i_d = F(F(1) / d) if d != 0 else F(0)
        q = round_away((b * i_d).astype(np.float32)).astype(np.int8)
        out += f16_bytes(d) + q.tobytes()
    return bytes(out)


def q4_0(x):
    out = bytearray()
    for b in x.reshape(-1, 32):
        k = int(np.argmax(np.abs(b)))  # first index of the largest magnitude, as the strict '<' scan finds
        mx = b[k]
        d = F(mx / F(-8))
        i_d = F(F(1) / d) if d != 0 else F(0)
        x0 = (b[:16] * i_d).astype(np.float32)
        x1 = (b[16:] * i_d).astype(np.float32)
        q0 = np.minimum(15, np.trunc((x0 + F(8.5)).astype(np.float32))).astype(np.uint8)
        q1 = np.minimum(15, np.trunc((x1 + F(8.5)).astype(np.float32))).astype(np.uint8)
        out += f16_bytes(d) + (q0 | (q1 << 4)).astype(np.uint8).tobytes()
    return bytes(out)


def blocks_of(raw, size):
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, size)


def dq4_k(raw):
    ys = []
    for blk in blocks_of(raw, 144):
        d = F(blk[0:2].view(np.float16)[0])
        dmin = F(blk[2:4].view(np.float16)[0])
        s = blk[4:16].astype(np.int32)
        sc = np.zeros(8, np.int32)
        mn = np.zeros(8, np.int32)
        sc[:4] = s[:4] & 63
        mn[:4] = s[4:8] & 63
        sc[4:] = (s[8:12] & 0xF) | ((s[0:4] >> 6) << 4)
        mn[4:] = (s[8:12] >> 4) | ((s[4:8] >> 6) << 4)
        qs = blk[16:].reshape(4, 32)
        for g in range(4):
            for half, q in ((0, qs[g] & 0xF), (1, qs[g] >> 4)):
                j = 2 * g + half
                dj = F(d * F(sc[j]))
                mj = F(dmin * F(mn[j]))
                ys.append((F(dj) * q.astype(np.float32)).astype(np.float32) - mj)
    return np.concatenate(ys).astype(np.float32)


def dq6_k(raw):
    ys = []
    for blk in blocks_of(raw, 210):
        ql = blk[0:128].astype(np.int32)
        qh = blk[128:192].astype(np.int32)
        sc = blk[192:208].view(np.int8).astype(np.int32)
        d = F(blk[208:210].view(np.float16)[0])
        y = np.zeros(256, np.float32)
        for n in range(2):
            l = np.arange(32)
            a, h, s = ql[64 * n:64 * n + 64], qh[32 * n:32 * n + 32], sc[8 * n:8 * n + 8]
            q1 = ((a[l] & 0xF) | ((h & 3) << 4)) - 32
            q2 = ((a[l + 32] & 0xF) | (((h >> 2) & 3) << 4)) - 32
            q3 = ((a[l] >> 4) | (((h >> 4) & 3) << 4)) - 32
            q4 = ((a[l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32
            isb = l // 16
            for off, q, k in ((0, q1, 0), (32, q2, 2), (64, q3, 4), (96, q4, 6)):
                y[128 * n + off + l] = (np.array([F(d * F(s[i + k])) for i in isb], np.float32) * q.astype(np.float32)).astype(np.float32)
        ys.append(y)
    return np.concatenate(ys)


def signed(b):
    return np.frombuffer(b, dtype=np.int8).astype(np.int32)


def dot_q8_q8(row, xq):
    sumf = F(0)
    for w, a in zip(blocks_of(row, 34), blocks_of(xq, 34)):
        sumi = int(np.sum(signed(w[2:].tobytes()) * signed(a[2:].tobytes())))
        dd = F(F(w[0:2].view(np.float16)[0]) * F(a[0:2].view(np.float16)[0]))
        sumf = F(sumf + F(F(sumi) * dd))
    return float(sumf)


def dot_q4_q8(row, xq):
    sumf = F(0)
    for w, a in zip(blocks_of(row, 18), blocks_of(xq, 34)):
        nib = w[2:].astype(np.int32)
        act = signed(a[2:].tobytes())
        sumi = int(np.sum(((nib & 0xF) - 8) * act[:16]) + np.sum(((nib >> 4) - 8) * act[16:]))
        t = F(F(sumi) * F(w[0:2].view(np.float16)[0]))
        sumf = F(sumf + F(t * F(a[0:2].view(np.float16)[0])))
    return float(sumf)


def dot_f32(row, x, size):
    sumf = F(0)
    for ib, w in enumerate(blocks_of(row, size)):
        if size == 34:
            q = signed(w[2:].tobytes())
        else:
            nib = w[2:].astype(np.int32)
            q = np.concatenate([(nib & 0xF) - 8, (nib >> 4) - 8])
        s = F(0)
        for j in range(32):
            s = F(s + F(F(q[j]) * x[32 * ib + j]))
        sumf = F(sumf + F(F(w[0:2].view(np.float16)[0]) * s))
    return float(sumf)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(7)
    x = np.zeros((ROWS, COLS), np.float32)
    x[0] = rng.standard_normal(COLS)
    x[1] = rng.uniform(-1e-3, 1e-3, COLS)
    x[2] = rng.standard_normal(COLS) * np.where(rng.random(COLS) < 0.03, 40, 1)
    x[3] = np.round(rng.standard_normal(COLS) * 4) / 4          # many ties
    x[4] = -np.abs(rng.standard_normal(COLS)) * 3e4            # large, one-signed
    x[5] = np.where(np.arange(COLS) % 64 < 32, 0, rng.standard_normal(COLS) * 1e-6)  # zero blocks, subnormal scales
    x[6] = np.abs(rng.standard_normal(COLS))
    x[7, :] = 0.5
    x[7, 3] = -0.5
    v = rng.standard_normal(COLS).astype(np.float32)
    x.tofile(os.path.join(OUT, 'x.f32'))
    v.tofile(os.path.join(OUT, 'v.f32'))
    rows8 = [q8_0(r) for r in x]
    rows4 = [q4_0(r) for r in x]
    open(os.path.join(OUT, 'q8_0.bin'), 'wb').write(b''.join(rows8))
    open(os.path.join(OUT, 'q4_0.bin'), 'wb').write(b''.join(rows4))

    def random_blocks(n, size, scale_at):
        raw = rng.integers(0, 256, (n, size), dtype=np.uint8)
        for at in scale_at:
            raw[:, at:at + 2] = np.frombuffer(rng.uniform(-0.05, 0.05, n).astype(np.float16).tobytes(), np.uint8).reshape(n, 2)
        return raw.tobytes()

    k4 = random_blocks(4, 144, [0, 2])
    k6 = random_blocks(4, 210, [208])
    open(os.path.join(OUT, 'q4_k.bin'), 'wb').write(k4)
    open(os.path.join(OUT, 'q6_k.bin'), 'wb').write(k6)
    dq4_k(k4).tofile(os.path.join(OUT, 'q4_k.f32'))
    dq6_k(k6).tofile(os.path.join(OUT, 'q6_k.f32'))

    vq = q8_0(v)
    dots = {
        'q8_0_q8_0': [dot_q8_q8(r, vq) for r in rows8],
        'q4_0_q8_0': [dot_q4_q8(r, vq) for r in rows4],
        'q8_0_f32': [dot_f32(r, v, 34) for r in rows8],
        'q4_0_f32': [dot_f32(r, v, 18) for r in rows4],
    }
    with open(os.path.join(OUT, 'dots.json'), 'w') as f:
        json.dump(dots, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
