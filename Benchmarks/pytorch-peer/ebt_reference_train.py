"""The PyTorch peer of `ebt_train_samples_per_s_reference_recipe` (run by `make bench`).

The reference recipe written the way the reference implementation runs it, so the speed target
("at least 70 windows/s where the PyTorch reference does about 47") is a ratio measured in one run
rather than against a figure from another day: observed frames and candidates concatenated into
one sequence of 2S tokens under an attention mask (each candidate sees the observed frames before
it and itself), the whole sequence recomputed at every thinking step, a scalar energy head,
thinking from the last frame for 2 steps with create_graph=True (exact second order), the mean
smooth-L1 loss over the steps, AdamW. Same sizes as the Swift figure: width 256, 4 layers,
4 heads, SwiGLU hidden 688, context 16, embedding 1024, batch 16, both cores.

Prints `windows_per_s: X` after `--steps` timed steps (two untimed warm-up steps first).
Exits 77 when PyTorch is not installed.
"""
import argparse
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    sys.exit(77)


def rotate(x, positions):
    """RoPE on [batch, heads, tokens, head size], rotating half-pairs by position."""
    half = x.shape[-1] // 2
    frequencies = 1.0 / (10000 ** (torch.arange(half, dtype=torch.float32) / half))
    angles = positions[:, None].float() * frequencies[None, :]
    cos, sin = angles.cos(), angles.sin()
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)


class Block(nn.Module):
    def __init__(self, width, heads, hidden):
        super().__init__()
        self.heads = heads
        self.attention_norm = nn.RMSNorm(width)
        self.qkv = nn.Linear(width, 3 * width, bias=False)
        self.out = nn.Linear(width, width, bias=False)
        self.mlp_norm = nn.RMSNorm(width)
        self.gate_up = nn.Linear(width, 2 * hidden, bias=False)
        self.down = nn.Linear(hidden, width, bias=False)

    def forward(self, x, positions, mask):
        batch, tokens, width = x.shape
        size = width // self.heads
        q, k, v = self.qkv(self.attention_norm(x)).view(batch, tokens, 3, self.heads, size).permute(2, 0, 3, 1, 4)
        q, k = rotate(q, positions), rotate(k, positions)
        # Written out rather than scaled_dot_product_attention, whose fused kernels need not
        # support the double backward thinking requires.
        weights = torch.softmax(q @ k.transpose(-1, -2) / size ** 0.5 + mask, dim=-1)
        x = x + self.out((weights @ v).transpose(1, 2).reshape(batch, tokens, width))
        gate, up = self.gate_up(self.mlp_norm(x)).chunk(2, dim=-1)
        return x + self.down(F.silu(gate) * up)


class EnergyTransformer(nn.Module):
    def __init__(self, embedding, context, width=256, layers=4, heads=4):
        super().__init__()
        hidden = (8 * width // 3 + 7) // 8 * 8
        self.project = nn.Linear(embedding, width)
        self.blocks = nn.ModuleList(Block(width, heads, hidden) for _ in range(layers))
        self.norm = nn.RMSNorm(width)
        self.head = nn.Linear(width, 1)
        self.log_step_size = nn.Parameter(torch.zeros(()))
        s = context
        allowed = torch.zeros(2 * s, 2 * s, dtype=torch.bool)
        allowed[:s, :s] = torch.ones(s, s).tril().bool()          # observed: causal
        allowed[s:, :s] = torch.ones(s, s).tril().bool()          # candidate i: observed 0…i
        allowed[s:, s:] = torch.eye(s, dtype=torch.bool)          # ... and itself
        self.register_buffer("mask", torch.zeros(2 * s, 2 * s).masked_fill(~allowed, float("-inf")))
        self.register_buffer("positions", torch.cat([torch.arange(s), torch.arange(1, s + 1)]))

    def energies(self, observed, candidates):
        s = observed.shape[1]
        x = self.project(torch.cat([observed, candidates], dim=1))
        for block in self.blocks:
            x = block(x, self.positions, self.mask)
        return self.head(self.norm(x[:, s:])).squeeze(-1)


def training_step(model, optimizer, windows, thinking_steps=2):
    observed, targets = windows[:, :-1], windows[:, 1:]
    candidate = observed.detach().clone().requires_grad_()   # thinking starts at the last frame
    step_size = model.log_step_size.exp()
    losses = []
    for _ in range(thinking_steps):
        energy = model.energies(observed, candidate).sum()
        (gradient,) = torch.autograd.grad(energy, candidate, create_graph=True)
        candidate = candidate - step_size * gradient
        losses.append(F.smooth_l1_loss(candidate, targets))
    loss = sum(losses) / len(losses)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss.item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--threads", type=int, default=2)
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    torch.manual_seed(1)
    batch, context, embedding = 16, 16, 1024
    model = EnergyTransformer(embedding, context)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    batches = [torch.randn(batch, context + 1, embedding) for _ in range(4)]
    for windows in batches[:2]:
        training_step(model, optimizer, windows)
    began = time.perf_counter()
    for i in range(arguments.steps):
        loss = training_step(model, optimizer, batches[i % len(batches)])
    seconds = time.perf_counter() - began
    if loss != loss:
        sys.exit("the loss is not a number")
    print(f"windows_per_s: {arguments.steps * batch / seconds:.2f}")


if __name__ == "__main__":
    main()
