#!/usr/bin/python3
"""Reference trajectories of PyTorch's AdamW and SGD (with gradient clipping), for src/train/optimizers.test.ts.

Run with Debian's python (python3-torch): /usr/bin/python3 scripts/make-optimizer-fixtures.py
"""
import json, os, torch

out = {"torch": torch.__version__, "init": [[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]], "steps": 5, "clip": 3.0, "cases": {}}
configs = {
    "adamw": dict(lr=0.1, beta1=0.9, beta2=0.95, eps=1e-8, weightDecay=0.1),
    "sgd": dict(lr=0.1, momentum=0.9, dampening=0.1, weightDecay=0.01, nesterov=False),
    "sgd_nesterov": dict(lr=0.05, momentum=0.8, dampening=0.0, weightDecay=0.0, nesterov=True),
}
for name, c in configs.items():
    p = torch.tensor(out["init"], dtype=torch.float64, requires_grad=True)
    if name == "adamw":
        opt = torch.optim.AdamW([p], lr=c["lr"], betas=(c["beta1"], c["beta2"]), eps=c["eps"], weight_decay=c["weightDecay"])
    else:
        opt = torch.optim.SGD([p], lr=c["lr"], momentum=c["momentum"], dampening=c["dampening"], weight_decay=c["weightDecay"], nesterov=c["nesterov"])
    w = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    for step in range(out["steps"]):
        opt.zero_grad()
        loss = (p.sin() * w).sum() + (p ** 2).sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p], out["clip"])
        opt.step()
    out["cases"][name] = {"config": c, "final": p.detach().flatten().tolist()}

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "optimizers.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
