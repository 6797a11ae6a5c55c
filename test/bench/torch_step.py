# The PyTorch side of `npm run bench -- engine --vs-torch`: one training step (forward, backward, gradient clipping,
# AdamW, dropout on) and one eval() forward of a token classifier of the shape given as JSON in argv[1], at the same
# batch, in this process alone, so that its peak RSS is its own. Embeddings (word + position + token type, LayerNorm,
# dropout) + nn.TransformerEncoderLayer (post-LN, GELU) + a linear head: the same work as the engine's BERT.
# Prints one JSON object: step and inference times (median after warmup), peak RSS, threads and the BLAS it loaded.
# Run it with Debian's /usr/bin/python3 (python3-torch, libopenblas0-pthread).
import json
import os
import resource
import sys
import time

import torch
from torch import nn

shape = json.loads(sys.argv[1])
torch.manual_seed(0)
torch.set_num_threads(shape.get("threads") or os.cpu_count())


class TokenClassifier(nn.Module):
    def __init__(self, s):
        super().__init__()
        h = s["hidden"]
        self.word = nn.Embedding(s["vocab"], h)
        self.position = nn.Embedding(s["positions"], h)
        self.token_type = nn.Embedding(max(1, s["typeVocab"]), h)
        self.norm = nn.LayerNorm(h, eps=s["layerNormEps"])
        self.dropout = nn.Dropout(0.1)
        layer = nn.TransformerEncoderLayer(h, s["heads"], s["intermediate"], dropout=0.1, activation="gelu", batch_first=True, norm_first=False,
                                           layer_norm_eps=s["layerNormEps"])
        self.encoder = nn.TransformerEncoder(layer, s["layers"], enable_nested_tensor=False)
        self.head = nn.Linear(h, s["labels"])

    def forward(self, ids, types, pad_mask):
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.dropout(self.norm(self.word(ids) + self.position(positions) + self.token_type(types)))
        return self.head(self.dropout(self.encoder(x, src_key_padding_mask=pad_mask)))


def blas_loaded():
    with open("/proc/self/maps") as maps:
        names = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return sorted(os.path.basename(n) for n in names)


model = TokenClassifier(shape)
batch, seq = shape["batch"], shape["seq"]
n = batch * seq
ids = (torch.arange(n) * 7919 % shape["vocab"]).reshape(batch, seq)
types = torch.zeros(batch, seq, dtype=torch.long)
pad_mask = torch.zeros(batch, seq, dtype=torch.bool)
labels = ids % shape["labels"]
decay = [p for name, p in model.named_parameters() if not (name.endswith("bias") or "norm" in name)]
no_decay = [p for name, p in model.named_parameters() if name.endswith("bias") or "norm" in name]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-4, eps=1e-8)
loss_fn = nn.CrossEntropyLoss()


def train_step():
    model.train()
    opt.zero_grad(set_to_none=True)
    logits = model(ids, types, pad_mask)
    loss = loss_fn(logits.reshape(n, -1), labels.reshape(n))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return loss.item()


def infer():
    model.eval()
    with torch.no_grad():
        return model(ids, types, pad_mask)


def timed(fn, warmup, steps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2], times


step_ms, step_times = timed(train_step, shape["warmup"], shape["steps"])
train_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
infer_ms, _ = timed(infer, 1, max(1, shape["steps"]))
print(json.dumps({
    "stepMs": step_ms,
    "stepTimes": step_times,
    "inferMs": infer_ms,
    "peakRssMB": train_rss,
    "parameters": sum(p.numel() for p in model.parameters()),
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "blas": blas_loaded(),
}))
