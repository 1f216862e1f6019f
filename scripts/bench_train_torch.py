#!/usr/bin/python3
"""The PyTorch side of `lmkit bench train`.

A nanoGPT-style GPT-2 in plain PyTorch (fp32, CPU): token + position
embeddings, pre-LayerNorm blocks with causal self-attention and a GELU MLP,
a tied LM head; one step = forward + cross-entropy + backward + AdamW.
Prints one JSON line with tokens/s and peak RSS.

Run it as the bench does: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/bench_train_torch.py --config tiny --threads 2
"""
import argparse
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    'tiny': dict(vocab=512, d=128, layers=4, heads=4, ctx=256, batch=16),
    'small': dict(vocab=8192, d=384, layers=6, heads=6, ctx=256, batch=8),
    'gpt2': dict(vocab=50257, d=768, layers=12, heads=12, ctx=256, batch=4),
}


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        k = k.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        v = v.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        # torch 1.13 has no fused scaled_dot_product_attention: the explicit form.
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float('-inf'))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = Attention(d, heads)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate='tanh'))


class GPT(nn.Module):
    def __init__(self, vocab, d, layers, heads, ctx):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(ctx, d)
        self.h = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        for p in self.parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.h:
            x = b(x)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', choices=list(CONFIGS), required=True)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=2)
    a = ap.parse_args()
    c = CONFIGS[a.config]
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = GPT(c['vocab'], c['d'], c['layers'], c['heads'], c['ctx'])
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
    B, T = c['batch'], c['ctx']
    g = torch.Generator().manual_seed(1)
    idx = torch.randint(0, c['vocab'], (B, T), generator=g)
    tgt = torch.randint(0, c['vocab'], (B, T), generator=g)

    def step():
        loss = model(idx, tgt)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    dt = time.perf_counter() - t0
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        'impl': 'pytorch',
        'torch': torch.__version__,
        'config': a.config,
        'threads': a.threads,
        'params': sum(p.numel() for p in model.parameters()),
        'steps': a.steps,
        'seconds': dt,
        'tokens_per_second': B * T * a.steps / dt,
        'peak_rss_mb': rss_kb / 1024,
        'loss': loss,
    }))
    sys.stdout.flush()


if __name__ == '__main__':
    main()
