#!/usr/bin/python3
"""Reference logits, loss, gradients and an AdamW loss curve for lmkit's models,
computed by plain-PyTorch implementations of GPT-2 and the Llama family written
here from the published architectures (GPT-2: Radford et al. 2019 and the
openai/gpt-2 release; Llama: Touvron et al. 2023; Mistral's sliding window;
Qwen2's q/k/v bias; the rope_scaling variants as Hugging Face transformers
defines them in modeling_rope_utils.py). There is no `transformers` package
here: the semantics (Conv1D layout, position ids from the attention mask,
float32 rotary frequencies) follow HF's so the fixtures stand for HF models.

Each fixture is a Hugging Face model folder under test/fixtures/models/NAME/:
  config.json, model.safetensors (HF names and layouts, random weights),
  expected.safetensors: inputs and reference outputs (metadata lmkit_fixture
  = "model-reference", version = "1").
References are computed in float64 from the stored (possibly half-rounded)
weights. Run with Debian's python (python3-torch):

    /usr/bin/python3 scripts/make-model-fixtures.py
"""
import json, math, os, struct
import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "models")
VERSION = "1"
torch.set_default_dtype(torch.float64)

# ---------------------------------------------------------------- safetensors

ST_DTYPE = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int32: "I32", torch.float64: "F64"}


def write_safetensors(path, tensors, metadata):
    """A minimal safetensors writer: JSON header padded to 8 bytes, then raw little-endian data."""
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        if t.dtype in (torch.float16, torch.bfloat16):
            raw = t.view(torch.int16).numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        header[name] = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def save_fixture(name, config, weights, expected, dtype=torch.float32):
    """weights: HF name -> float64 tensor. Stored in `dtype`; returns the stored values as float64."""
    d = os.path.join(ROOT, name)
    os.makedirs(d, exist_ok=True)
    stored = {k: v.to(dtype) for k, v in weights.items()}
    config = dict(config, torch_dtype={torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16"}[dtype])
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    write_safetensors(os.path.join(d, "model.safetensors"), stored, {"format": "pt"})
    meta = {"lmkit_fixture": "model-reference", "version": VERSION, "torch": torch.__version__}
    write_safetensors(os.path.join(d, "expected.safetensors"), expected, meta)
    print("wrote", d)


def rounded(weights, dtype):
    return {k: v.to(dtype).to(torch.float64) for k, v in weights.items()}


def positions_from_mask(mask):
    """HF: position_ids = cumsum(mask) - 1, padding positions set to 1."""
    pos = mask.long().cumsum(-1) - 1
    return pos.masked_fill(mask == 0, 1)


def additive_mask(T, mask, window=None):
    """(B, 1, T, T): causal (and sliding window) with -inf, padding keys with the dtype's min as HF does."""
    i = torch.arange(T)[:, None]
    j = torch.arange(T)[None, :]
    hidden = j > i
    if window is not None:
        hidden = hidden | (j <= i - window)
    m = torch.zeros(T, T).masked_fill(hidden, float("-inf"))[None, None]
    if mask is not None:
        m = m + (1.0 - mask[:, None, None, :].double()) * torch.finfo(torch.float64).min
    return m


# ---------------------------------------------------------------- GPT-2

def gpt2_forward(w, cfg, ids, mask=None, prefix="transformer."):
    """GPT-2 in plain PyTorch from its HF-layout weights (Conv1D: x @ W + b with W (in, out))."""
    P = lambda k: w[prefix + k]
    B, T = ids.shape
    C, H = cfg["n_embd"], cfg["n_head"]
    D = C // H
    pos = positions_from_mask(mask) if mask is not None else torch.arange(T)[None].expand(B, T)
    x = P("wte.weight")[ids] + P("wpe.weight")[pos]
    am = additive_mask(T, mask)
    for l in range(cfg["n_layer"]):
        L = lambda k: P(f"h.{l}.{k}")
        h = F.layer_norm(x, (C,), L("ln_1.weight"), L("ln_1.bias"), cfg["layer_norm_epsilon"])
        qkv = h @ L("attn.c_attn.weight") + L("attn.c_attn.bias")
        q, k, v = (t.view(B, T, H, D).transpose(1, 2) for t in qkv.split(C, dim=-1))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(D) + am
        y = att.softmax(-1) @ v
        y = y.transpose(1, 2).reshape(B, T, C)
        x = x + (y @ L("attn.c_proj.weight") + L("attn.c_proj.bias"))
        h = F.layer_norm(x, (C,), L("ln_2.weight"), L("ln_2.bias"), cfg["layer_norm_epsilon"])
        m = F.gelu(h @ L("mlp.c_fc.weight") + L("mlp.c_fc.bias"), approximate="tanh")
        x = x + (m @ L("mlp.c_proj.weight") + L("mlp.c_proj.bias"))
    x = F.layer_norm(x, (C,), P("ln_f.weight"), P("ln_f.bias"), cfg["layer_norm_epsilon"])
    return x @ P("wte.weight").T


def gpt2_weights(cfg, g, prefix):
    C, V, N, L = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"], cfg["n_layer"]
    F4 = 4 * C
    r = lambda *s, std=1.0: torch.randn(*s, generator=g) * std
    w = {prefix + "wte.weight": r(V, C, std=0.5), prefix + "wpe.weight": r(N, C, std=0.3)}
    for l in range(L):
        p = f"{prefix}h.{l}."
        w.update({
            p + "ln_1.weight": 1 + r(C, std=0.1), p + "ln_1.bias": r(C, std=0.1),
            p + "attn.c_attn.weight": r(C, 3 * C, std=C ** -0.5), p + "attn.c_attn.bias": r(3 * C, std=0.1),
            p + "attn.c_proj.weight": r(C, C, std=C ** -0.5), p + "attn.c_proj.bias": r(C, std=0.1),
            p + "ln_2.weight": 1 + r(C, std=0.1), p + "ln_2.bias": r(C, std=0.1),
            p + "mlp.c_fc.weight": r(C, F4, std=C ** -0.5), p + "mlp.c_fc.bias": r(F4, std=0.1),
            p + "mlp.c_proj.weight": r(F4, C, std=F4 ** -0.5), p + "mlp.c_proj.bias": r(C, std=0.1),
        })
    w[prefix + "ln_f.weight"] = 1 + r(C, std=0.1)
    w[prefix + "ln_f.bias"] = r(C, std=0.1)
    return w


GPT2_CFG = {
    "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 64, "n_positions": 32, "n_ctx": 32,
    "n_embd": 32, "n_layer": 2, "n_head": 4, "n_inner": None, "activation_function": "gelu_new",
    "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "layer_norm_epsilon": 1e-5, "initializer_range": 0.02,
    "bos_token_id": 0, "eos_token_id": 0, "tie_word_embeddings": True, "transformers_version": "4.44.0",
    "summary_type": "cls_index", "use_cache": True,
}


def make_gpt2():
    g = torch.Generator().manual_seed(1)
    cfg = GPT2_CFG
    # The original openai-community/gpt2 files carry no "transformer." prefix and keep the causal-mask buffers.
    w = gpt2_weights(cfg, g, "")
    ids = torch.randint(0, cfg["vocab_size"], (2, 9), generator=g)
    mask = torch.tensor([[0, 0, 0, 1, 1, 1, 1, 1, 1], [1] * 9])
    logits = gpt2_forward(w, cfg, ids, prefix="")
    padded = gpt2_forward(w, cfg, ids, mask, prefix="")
    stored = dict(w)
    for l in range(cfg["n_layer"]):
        stored[f"h.{l}.attn.bias"] = torch.tril(torch.ones(cfg["n_positions"], cfg["n_positions"]))[None, None]
    exp = {"input_ids": ids.int(), "logits": logits.float(), "attention_mask": mask.int(), "padded_logits": padded.float()}
    save_fixture("gpt2", cfg, stored, exp)


def make_gpt2_train():
    """Loss and every parameter gradient of one batch, then a 10-step AdamW (with clipping) loss curve."""
    g = torch.Generator().manual_seed(2)
    cfg = dict(GPT2_CFG, n_layer=2)
    w = gpt2_weights(cfg, g, "transformer.")
    B, T = 4, 12
    ids = torch.randint(0, cfg["vocab_size"], (B, T), generator=g)
    targets = torch.randint(0, cfg["vocab_size"], (B, T), generator=g)
    targets[0, :3] = -100  # ignored positions
    targets[2, -1] = -100

    params = {k: v.clone().requires_grad_(True) for k, v in w.items()}

    def loss_fn():
        logits = gpt2_forward(params, cfg, ids)
        return F.cross_entropy(logits.reshape(-1, cfg["vocab_size"]), targets.reshape(-1), ignore_index=-100)

    loss = loss_fn()
    loss.backward()
    exp = {"input_ids": ids.int(), "targets": targets.int(), "loss": loss.detach().reshape(1)}
    for k, p in params.items():
        exp["grad." + k] = p.grad.detach().float()
    hp = {"lr": 3e-3, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "weight_decay": 0.1, "clip": 1.0, "steps": 10}
    for p in params.values():
        p.grad = None
    opt = torch.optim.AdamW(list(params.values()), lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"], weight_decay=hp["weight_decay"])
    losses = []
    for _ in range(hp["steps"]):
        opt.zero_grad()
        l = loss_fn()
        losses.append(l.item())
        l.backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), hp["clip"])
        opt.step()
    with torch.no_grad():
        losses.append(loss_fn().item())
    exp["adamw_losses"] = torch.tensor(losses)
    cfg = dict(cfg, lmkit_adamw=hp)
    save_fixture("gpt2-train", cfg, w, exp)


# ---------------------------------------------------------------- Llama family

def rope_inv_freq(cfg, seq_len):
    """Inverse frequencies (float32) and attention factor, per HF's rope_scaling types."""
    D = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    base = cfg.get("rope_theta", 10000.0)
    rs = cfg.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type", "default"))
    idx = torch.arange(0, D, 2, dtype=torch.int64).float()
    default = lambda b: 1.0 / (b ** (idx / D))
    if kind == "default":
        return default(base), 1.0
    if kind == "linear":
        return default(base) / rs["factor"], 1.0
    if kind == "dynamic":
        mp, fac = cfg["max_position_embeddings"], rs["factor"]
        L = seq_len if seq_len > mp else mp
        return default(base * ((fac * L / mp) - (fac - 1)) ** (D / (D - 2))), 1.0
    if kind == "llama3":
        inv = default(base)
        fac, lo, hi, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        lo_wl, hi_wl = old / lo, old / hi
        wl = 2 * math.pi / inv
        out = torch.where(wl > lo_wl, inv / fac, inv)
        smooth = (old / wl - lo) / (hi - lo)
        smoothed = (1 - smooth) * out / fac + smooth * out
        medium = ~(wl < hi_wl) & ~(wl > lo_wl)
        return torch.where(medium, smoothed, out), 1.0
    if kind == "yarn":
        fac = rs["factor"]
        orig = rs.get("original_max_position_embeddings") or cfg["max_position_embeddings"]
        get_m = lambda s, m=1: 1.0 if s <= 1 else 0.1 * m * math.log(s) + 1.0
        att = rs.get("attention_factor") or get_m(fac)
        bf, bs = rs.get("beta_fast") or 32, rs.get("beta_slow") or 1
        cdim = lambda rot: (D * math.log(orig / (rot * 2 * math.pi))) / (2 * math.log(base))
        low, high = max(math.floor(cdim(bf)), 0), min(math.ceil(cdim(bs)), D - 1)
        if low == high:
            high += 0.001
        pos_freqs = base ** (idx / D)
        extra, inter = 1.0 / pos_freqs, 1.0 / (fac * pos_freqs)
        ramp = ((torch.arange(D // 2, dtype=torch.float32) - low) / (high - low)).clamp(0, 1)
        ef = 1 - ramp
        return inter * (1 - ef) + extra * ef, att
    raise ValueError(kind)


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def llama_forward(w, cfg, ids, mask=None):
    B, T = ids.shape
    C, H = cfg["hidden_size"], cfg["num_attention_heads"]
    Hkv = cfg.get("num_key_value_heads") or H
    D = cfg.get("head_dim") or C // H
    eps = cfg["rms_norm_eps"]
    mt = cfg["model_type"]
    window = None
    if mt == "mistral":
        window = cfg.get("sliding_window")
    elif mt == "qwen2" and cfg.get("use_sliding_window"):
        window = cfg["sliding_window"]
    pos = positions_from_mask(mask) if mask is not None else torch.arange(T)[None].expand(B, T)
    inv, att_factor = rope_inv_freq(cfg, int(pos.max()) + 1)
    freqs = pos.float()[..., None] * inv[None, None, :]  # float32, as HF
    emb = torch.cat((freqs, freqs), dim=-1)
    cos = (emb.cos() * att_factor).double()[:, None]  # (B, 1, T, D)
    sin = (emb.sin() * att_factor).double()[:, None]

    def rms(x, wt):
        return wt * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))

    def lin(x, name, bias):
        y = x @ w[name + ".weight"].T
        return y + w[name + ".bias"] if bias else y

    qkv_bias = mt == "qwen2" or (mt == "llama" and cfg.get("attention_bias", False))
    o_bias = mt == "llama" and cfg.get("attention_bias", False)
    x = w["model.embed_tokens.weight"][ids]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        lw = window if (window and (mt != "qwen2" or l >= cfg.get("max_window_layers", 0))) else None
        am = additive_mask(T, mask, lw)
        h = rms(x, w[p + "input_layernorm.weight"])
        q = lin(h, p + "self_attn.q_proj", qkv_bias).view(B, T, H, D).transpose(1, 2)
        k = lin(h, p + "self_attn.k_proj", qkv_bias).view(B, T, Hkv, D).transpose(1, 2)
        v = lin(h, p + "self_attn.v_proj", qkv_bias).view(B, T, Hkv, D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // Hkv, dim=1)
        v = v.repeat_interleave(H // Hkv, dim=1)
        a = ((q @ k.transpose(-1, -2)) / math.sqrt(D) + am).softmax(-1) @ v
        a = a.transpose(1, 2).reshape(B, T, H * D)
        x = x + lin(a, p + "self_attn.o_proj", o_bias)
        h = rms(x, w[p + "post_attention_layernorm.weight"])
        x = x + lin(F.silu(lin(h, p + "mlp.gate_proj", False)) * lin(h, p + "mlp.up_proj", False), p + "mlp.down_proj", False)
    x = rms(x, w["model.norm.weight"])
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else w["lm_head.weight"]
    return x @ head.T


def llama_weights(cfg, g):
    C, V, Fh, L = cfg["hidden_size"], cfg["vocab_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    H = cfg["num_attention_heads"]
    Hkv = cfg.get("num_key_value_heads") or H
    D = cfg.get("head_dim") or C // H
    mt = cfg["model_type"]
    qkv_bias = mt == "qwen2" or (mt == "llama" and cfg.get("attention_bias", False))
    o_bias = mt == "llama" and cfg.get("attention_bias", False)
    r = lambda *s, std=1.0: torch.randn(*s, generator=g) * std
    w = {"model.embed_tokens.weight": r(V, C, std=0.5)}
    for l in range(L):
        p = f"model.layers.{l}."
        w[p + "input_layernorm.weight"] = 1 + r(C, std=0.1)
        for n, out in (("q_proj", H * D), ("k_proj", Hkv * D), ("v_proj", Hkv * D)):
            w[p + f"self_attn.{n}.weight"] = r(out, C, std=C ** -0.5)
            if qkv_bias:
                w[p + f"self_attn.{n}.bias"] = r(out, std=0.1)
        w[p + "self_attn.o_proj.weight"] = r(C, H * D, std=(H * D) ** -0.5)
        if o_bias:
            w[p + "self_attn.o_proj.bias"] = r(C, std=0.1)
        w[p + "post_attention_layernorm.weight"] = 1 + r(C, std=0.1)
        w[p + "mlp.gate_proj.weight"] = r(Fh, C, std=C ** -0.5)
        w[p + "mlp.up_proj.weight"] = r(Fh, C, std=C ** -0.5)
        w[p + "mlp.down_proj.weight"] = r(C, Fh, std=Fh ** -0.5)
    w["model.norm.weight"] = 1 + r(C, std=0.1)
    if not cfg.get("tie_word_embeddings"):
        w["lm_head.weight"] = r(V, C, std=C ** -0.5)
    return w


def llama_cfg(**kw):
    base = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64, "hidden_size": 32,
        "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 4,
        "max_position_embeddings": 64, "hidden_act": "silu", "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "rope_scaling": None, "attention_bias": False, "attention_dropout": 0.0, "mlp_bias": False,
        "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2, "pretraining_tp": 1,
        "initializer_range": 0.02, "use_cache": True, "transformers_version": "4.44.0",
    }
    base.update(kw)
    return base


def make_llama_family(name, cfg, seed, T=10, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    w = llama_weights(cfg, g)
    ws = rounded(w, dtype)
    ids = torch.randint(0, cfg["vocab_size"], (2, T), generator=g)
    mask = torch.ones(2, T, dtype=torch.int64)
    mask[0, :3] = 0  # left padding
    logits = llama_forward(ws, cfg, ids)
    padded = llama_forward(ws, cfg, ids, mask)
    exp = {"input_ids": ids.int(), "logits": logits.float(), "attention_mask": mask.int(), "padded_logits": padded.float()}
    save_fixture(name, cfg, w, exp, dtype)


def main():
    make_gpt2()
    make_gpt2_train()
    make_llama_family("llama", llama_cfg(), 10)
    make_llama_family("llama-bf16", llama_cfg(tie_word_embeddings=True, torch_dtype="bfloat16"), 11, dtype=torch.bfloat16)
    make_llama_family(
        "qwen2",
        llama_cfg(architectures=["Qwen2ForCausalLM"], model_type="qwen2", num_key_value_heads=2, rope_theta=1000000.0,
                  tie_word_embeddings=True, use_sliding_window=False, sliding_window=32, max_window_layers=2, rms_norm_eps=1e-6),
        12, dtype=torch.float16)
    make_llama_family(
        "mistral",
        llama_cfg(architectures=["MistralForCausalLM"], model_type="mistral", num_key_value_heads=2, sliding_window=4),
        13, T=12)
    # head_dim 8, theta 10000: wavelengths 6.3, 63, 628, 6283 fall in the high, medium and low bands of (16, 64).
    make_llama_family(
        "llama3-rope",
        llama_cfg(hidden_size=32, num_attention_heads=4, num_key_value_heads=2, head_dim=8, rope_theta=10000.0,
                  rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                "original_max_position_embeddings": 64}, tie_word_embeddings=True),
        14, T=20)
    make_llama_family("llama-linear-rope", llama_cfg(rope_scaling={"type": "linear", "factor": 4.0}), 15)
    make_llama_family("llama-dynamic-rope", llama_cfg(max_position_embeddings=8, rope_scaling={"type": "dynamic", "factor": 2.0}), 16, T=14)
    make_llama_family(
        "qwen2-yarn",
        llama_cfg(architectures=["Qwen2ForCausalLM"], model_type="qwen2", head_dim=16, num_attention_heads=2, num_key_value_heads=1,
                  max_position_embeddings=4096, rope_theta=10000.0,
                  rope_scaling={"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 1024}),
        17, T=12)


if __name__ == "__main__":
    main()
