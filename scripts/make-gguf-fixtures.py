#!/usr/bin/python3
"""GGUF fixtures for lmkit's GGUF model tests, written independently of lmkit.

1. test/fixtures/models/gguf/{llama,qwen2,gpt2}.gguf: the model fixtures of
   scripts/make-model-fixtures.py (HF folders with PyTorch reference logits)
   converted to GGUF the way llama.cpp's convert_hf_to_gguf.py lays them out,
   by a GGUF writer written here from the GGUF specification:
     - llama: q_proj/k_proj rows permuted per head for llama.cpp's interleaved
       rope, the converter's formula
         w.reshape(n_head, 2, rows // n_head // 2, cols).swapaxes(1, 2).reshape(rows, cols)
     - qwen2: no permutation (llama.cpp runs Qwen2 with the rotate-half "NEOX" rope),
       weights kept in f16 as stored
     - gpt2: Conv1D weights transposed to (out, in)
   A loader that gets the layout right reproduces the HF fixture's reference logits.

2. test/fixtures/models/tiny-chars/: a small character-level Llama trained here
   with PyTorch (the plain-PyTorch Llama of make-model-fixtures.py), so that
   perplexity means something when the quantization tests compare Q8_0 and
   Q4_0 against f32. Holds config.json, model.safetensors (f16), eval.txt (text
   the model did not train on, from the same generator) and expected.json with
   the reference mean negative log-likelihood over eval.txt's windows.

Run with Debian's python (python3-torch, python3-numpy):

    /usr/bin/python3 scripts/make-gguf-fixtures.py
"""
import importlib.util, json, math, os, random, struct
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "test", "fixtures", "models")
OUT = os.path.join(MODELS, "gguf")

spec = importlib.util.spec_from_file_location("mmf", os.path.join(HERE, "make-model-fixtures.py"))
mmf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mmf)

# ---------------------------------------------------------------- GGUF writer (spec v3)

T_U32, T_I32, T_F32, T_BOOL, T_STRING, T_ARRAY = 4, 5, 6, 7, 8, 9
GGML_F32, GGML_F16 = 0, 1
ALIGN = 32


def gguf_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def gguf_value(kind, v):
    if kind == T_U32:
        return struct.pack("<I", v)
    if kind == T_I32:
        return struct.pack("<i", v)
    if kind == T_F32:
        return struct.pack("<f", v)
    if kind == T_BOOL:
        return struct.pack("<B", 1 if v else 0)
    if kind == T_STRING:
        return gguf_string(v)
    raise ValueError(kind)


def write_gguf(path, kvs, tensors):
    """kvs: [(key, type, value)]; tensors: [(name, np.ndarray float32|float16, row-major)]."""
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for key, kind, value in kvs:
        head += gguf_string(key) + struct.pack("<I", kind) + gguf_value(kind, value)
    offset, blobs = 0, []
    for name, a in tensors:
        a = np.ascontiguousarray(a)
        ggml = {np.dtype(np.float32): GGML_F32, np.dtype(np.float16): GGML_F16}[a.dtype]
        ne = list(reversed(a.shape))  # ggml: innermost dimension first
        head += gguf_string(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
        head += struct.pack("<IQ", ggml, offset)
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
        pad = (-len(raw)) % ALIGN
        blobs.append(raw + b"\0" * pad)
        offset += len(raw) + pad
    head += b"\0" * ((-len(head)) % ALIGN)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(head)
        for b in blobs:
            f.write(b)


# ---------------------------------------------------------------- safetensors reader

ST = {"F32": np.float32, "F16": np.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=np.dtype(ST[t["dtype"]]).newbyteorder("<")).reshape(t["shape"])
    return out


# ---------------------------------------------------------------- HF -> GGUF layouts


def permute(w, n_head):
    """llama.cpp's converter: per head, rotate-half row order -> interleaved."""
    rows = w.shape[0]
    return w.reshape(n_head, 2, rows // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama_like(name, arch, permute_qk):
    cfg = json.load(open(os.path.join(MODELS, name, "config.json")))
    w = read_safetensors(os.path.join(MODELS, name, "model.safetensors"))
    H, Hkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    kvs = [
        ("general.architecture", T_STRING, arch),
        ("general.name", T_STRING, f"fixture {name}"),
        (f"{arch}.context_length", T_U32, cfg["max_position_embeddings"]),
        (f"{arch}.embedding_length", T_U32, cfg["hidden_size"]),
        (f"{arch}.block_count", T_U32, cfg["num_hidden_layers"]),
        (f"{arch}.feed_forward_length", T_U32, cfg["intermediate_size"]),
        (f"{arch}.attention.head_count", T_U32, H),
        (f"{arch}.attention.head_count_kv", T_U32, Hkv),
        (f"{arch}.attention.layer_norm_rms_epsilon", T_F32, cfg["rms_norm_eps"]),
        (f"{arch}.rope.freq_base", T_F32, cfg["rope_theta"]),
        (f"{arch}.rope.dimension_count", T_U32, cfg["hidden_size"] // H),
        ("general.file_type", T_U32, 1 if cfg.get("torch_dtype") == "float16" else 0),
    ]
    norms = {"input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight"}
    projections = {
        "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
        "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
    }
    tensors = [("token_embd.weight", w["model.embed_tokens.weight"])]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        tensors += [(f"blk.{l}.{gg}", w[p + hf].astype(np.float32)) for hf, gg in norms.items()]  # vectors stay f32
        for hf, gg in projections.items():
            for suffix in (".weight", ".bias"):
                if p + hf + suffix not in w:
                    continue
                a = w[p + hf + suffix]
                if permute_qk and hf in ("self_attn.q_proj", "self_attn.k_proj"):
                    a = permute(a, H if hf == "self_attn.q_proj" else Hkv)
                tensors.append((f"blk.{l}.{gg}{suffix}", a.astype(np.float32) if a.ndim == 1 else a))
    tensors.append(("output_norm.weight", w["model.norm.weight"].astype(np.float32)))
    if "lm_head.weight" in w:
        tensors.append(("output.weight", w["lm_head.weight"]))
    write_gguf(os.path.join(OUT, f"{name}.gguf"), kvs, tensors)


def gpt2():
    cfg = json.load(open(os.path.join(MODELS, "gpt2", "config.json")))
    w = read_safetensors(os.path.join(MODELS, "gpt2", "model.safetensors"))
    pre = "transformer." if "transformer.wte.weight" in w else ""
    C = cfg["n_embd"]
    kvs = [
        ("general.architecture", T_STRING, "gpt2"),
        ("gpt2.context_length", T_U32, cfg["n_positions"]),
        ("gpt2.embedding_length", T_U32, C),
        ("gpt2.block_count", T_U32, cfg["n_layer"]),
        ("gpt2.feed_forward_length", T_U32, cfg["n_inner"] or 4 * C),
        ("gpt2.attention.head_count", T_U32, cfg["n_head"]),
        ("gpt2.attention.layer_norm_epsilon", T_F32, cfg["layer_norm_epsilon"]),
        ("general.file_type", T_U32, 0),
    ]
    tensors = [("token_embd.weight", w[pre + "wte.weight"]), ("position_embd.weight", w[pre + "wpe.weight"])]
    names = {"ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output", "ln_2": "ffn_norm", "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"}
    for l in range(cfg["n_layer"]):
        for hf, gg in names.items():
            wt = w[f"{pre}h.{l}.{hf}.weight"]
            tensors.append((f"blk.{l}.{gg}.weight", wt.T if wt.ndim == 2 else wt))  # Conv1D (in, out) -> (out, in)
            tensors.append((f"blk.{l}.{gg}.bias", w[f"{pre}h.{l}.{hf}.bias"]))
    tensors += [("output_norm.weight", w[pre + "ln_f.weight"]), ("output_norm.bias", w[pre + "ln_f.bias"])]
    write_gguf(os.path.join(OUT, "gpt2.gguf"), kvs, tensors)


# ---------------------------------------------------------------- a trained character-level Llama

SUBJECTS = ["the old fox", "a small bird", "the baker", "my sister", "the tall man", "a quiet dog", "the farmer", "our teacher", "the young cat", "a busy ant"]
VERBS = ["walked to", "looked at", "ran past", "sat near", "waited by", "painted", "cleaned", "found", "carried", "watched"]
OBJECTS = ["the river", "a red house", "the green hill", "the market", "an empty boat", "the wooden gate", "a warm loaf", "the stone bridge", "a yellow kite", "the garden"]
TAILS = ["in the morning", "after the rain", "before dinner", "with a smile", "at noon", "on sunday", "in the snow", "near the sea"]


def sentences(rng, n):
    out = []
    for _ in range(n):
        s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        if rng.random() < 0.6:
            s += " " + rng.choice(TAILS)
        out.append(s + ".")
    return " ".join(out) + "\n"


def encode(text):
    """Characters to ids: printable ASCII 32..126 -> 0..94, newline -> 95."""
    return [95 if c == "\n" else ord(c) - 32 for c in text]


def tiny_chars():
    torch.manual_seed(0)
    rng = random.Random(1234)
    train_text = "".join(sentences(rng, 12) for _ in range(60))
    eval_text = "".join(sentences(rng, 12) for _ in range(3))
    cfg = mmf.llama_cfg(vocab_size=96, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=4, max_position_embeddings=64, bos_token_id=None, eos_token_id=None)
    g = torch.Generator().manual_seed(5)
    w = {k: v.clone().requires_grad_(True) for k, v in mmf.llama_weights(cfg, g).items()}
    for k in w:
        if k.endswith("norm.weight"):
            with torch.no_grad():
                w[k].fill_(1.0)
        elif w[k].ndim == 2:
            with torch.no_grad():
                w[k].mul_(0.5)
    ids = torch.tensor(encode(train_text))
    opt = torch.optim.AdamW(list(w.values()), lr=3e-3, weight_decay=0.0)
    T, B = 64, 16
    for step in range(800):
        starts = torch.randint(0, len(ids) - T - 1, (B,))
        x = torch.stack([ids[s:s + T] for s in starts])
        y = torch.stack([ids[s + 1:s + T + 1] for s in starts])
        logits = mmf.llama_forward(w, cfg, x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 96), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0:
            print(f"tiny-chars step {step} loss {loss.item():.3f}")
    stored = {k: v.detach().to(torch.float16) for k, v in w.items()}
    ws = {k: v.double() for k, v in stored.items()}
    ev = torch.tensor(encode(eval_text))
    windows = [ev[i:i + T + 1] for i in range(0, len(ev) - T - 1, T)]
    with torch.no_grad():
        x = torch.stack([wdw[:-1] for wdw in windows])
        y = torch.stack([wdw[1:] for wdw in windows])
        nll = torch.nn.functional.cross_entropy(mmf.llama_forward(ws, cfg, x).reshape(-1, 96), y.reshape(-1)).item()
    d = os.path.join(MODELS, "tiny-chars")
    os.makedirs(d, exist_ok=True)
    mmf.write_safetensors(os.path.join(d, "model.safetensors"), stored, {"format": "pt"})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(dict(cfg, torch_dtype="float16"), f, indent=2)
        f.write("\n")
    with open(os.path.join(d, "eval.txt"), "w") as f:
        f.write(eval_text)
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump({"window": T, "windows": len(windows), "mean_nll": nll, "perplexity": math.exp(nll),
                   "encoding": "printable ASCII 32..126 -> id c-32, newline -> 95"}, f, indent=2)
        f.write("\n")
    print(f"tiny-chars: eval perplexity {math.exp(nll):.3f} over {len(windows)} windows of {T}")


def main():
    llama_like("llama", "llama", permute_qk=True)
    llama_like("qwen2", "qwen2", permute_qk=False)
    gpt2()
    tiny_chars()


if __name__ == "__main__":
    main()
