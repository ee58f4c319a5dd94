"""The PyTorch peer of `ebt_train_samples_per_s_reference_recipe` (run by `make bench`).

The same model and training step as the Swift figure, written in plain PyTorch, so the speed
comparison is a ratio measured in one run rather than against a figure from another day. It
mirrors docs/DESIGN.md ("The EBT, precisely") and Sources/EBT layer for layer:

- Tokens (PatchTokens): every patch of the 8x8-patch crop is its own sequence over frames; its
  token for a frame is the frame's 3x3 neighbourhood of 16-value patch codes (borders repeat the
  edge patch), read as spatial differences from the patch itself and as the change since the
  previous frame (the first observed frame against itself): 2 x 9 x 16 = 288 values.
- Backbone: Linear(288, 64), then 2 pre-norm blocks (RMSNorm, 2-head attention with rotate-half
  RoPE, SwiGLU of hidden 176, no biases) over each patch's causal stream of observed frames. The
  observed stream runs once per batch; its last block only computes keys and values.
- Candidates: the candidate for frame q (tokenised against observed frame q-1, plus a learned
  marker) sits at position q and attends to the observed frames before q and to itself.
- Energy: final RMSNorm; per patch a correction r = Linear(64, 16) and a level from two context
  features (LevelFeatures) with learned weights; E = sum over patches of 1/2 |y - anchor - r|^2 + level. The anchors (the first
  guesses) are where thinking starts.
- The reference recipe: 2 thinking steps y <- y - exp(log alpha) dE/dy with create_graph=True
  (exact second order), loss = mean over steps of SmoothL1(y_k, target) (no landscape or
  calibration terms), AdamW (lr 1e-4, weight decay 0.01 on matrices), gradient clipping at 1.

120,275 parameters, as on the Swift side. With the Swift model's weights loaded, this step's loss,
per-step losses, energies and gradient norm matched the Swift `trainingLoss` to float precision.

Batch: 16 windows of 5 frames (context 4 + 1) of 1024 values (64 patches x 16 codes) and their
first guesses, the same shapes as the Swift figure; both cores (torch.set_num_threads(2)).

Prints `parameters: N` and `gemm_gflop_per_step: X` (matrix-product work of one step, counted by
torch's FlopCounterMode on an untimed step) and then `windows_per_s: X` after `--steps` timed steps
(two untimed warm-up steps first). Exits 77 when PyTorch is not installed.
"""
import argparse
import math
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    sys.exit(77)

NEIGHBOURHOOD = 9


def linear(inputs, outputs, bias=True, std=None):
    """Linear with the Swift layer's initialisation: N(0, std^2), std = 1/sqrt(inputs); bias 0."""
    layer = nn.Linear(inputs, outputs, bias=bias)
    nn.init.normal_(layer.weight, std=std if std is not None else inputs ** -0.5)
    if bias:
        nn.init.zeros_(layer.bias)
    return layer


def neighbour_index(rows, columns):
    """[patches, 9]: the patches of each patch's 3x3 neighbourhood, row-major, edges repeated."""
    index = torch.empty(rows * columns, NEIGHBOURHOOD, dtype=torch.long)
    for p in range(rows * columns):
        y, x = divmod(p, columns)
        for k in range(NEIGHBOURHOOD):
            ny = min(max(y + k // 3 - 1, 0), rows - 1)
            nx = min(max(x + k % 3 - 1, 0), columns - 1)
            index[p, k] = ny * columns + nx
    return index


def patch_tokens(frames, previous, index, components):
    """Tokens [batch*patches, seq, 2*9*components] of frames [batch, seq, patches*components]."""
    batch, length, values = frames.shape
    patches = values // components
    grid = frames.view(batch, length, patches, components)
    change = (frames - previous.detach()).view(batch, length, patches, components)
    spatial = grid[:, :, index] - grid.unsqueeze(3)          # [batch, seq, patches, 9, components]
    moved = change[:, :, index]
    size = NEIGHBOURHOOD * components
    tokens = torch.cat([spatial.reshape(batch, length, patches, size), moved.reshape(batch, length, patches, size)], dim=-1)
    return tokens.permute(0, 2, 1, 3).reshape(batch * patches, length, 2 * size)


def framewise(per_patch, batch, patches):
    """[batch*patches, count, values] -> [batch, count, patches*values]."""
    _, count, values = per_patch.shape
    return per_patch.view(batch, patches, count, values).permute(0, 2, 1, 3).reshape(batch, count, patches * values)


_rotations = {}


def rope(x, positions, base=10000.0):
    """Rotate-half RoPE on [n, seq, heads, head size]: j pairs with j + half, angle pos * base^(-2j/d)."""
    dim = x.shape[-1]
    half = dim // 2
    key = (tuple(positions), dim)
    if key not in _rotations:
        frequencies = base ** (-2 * torch.arange(half, dtype=torch.float64) / dim)
        angles = torch.tensor(positions, dtype=torch.float64)[:, None] * frequencies[None, :]
        _rotations[key] = (angles.cos().float()[:, None, :], angles.sin().float()[:, None, :])
    cos, sin = _rotations[key]
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)


def additive_mask(rows, columns, allowed):
    mask = torch.full((rows, columns), float("-inf"))
    for r in range(rows):
        for c in range(columns):
            if allowed(r, c):
                mask[r, c] = 0.0
    return mask


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.query = linear(width, width, bias=False)
        self.key = linear(width, width, bias=False)
        self.value = linear(width, width, bias=False)
        self.output = linear(width, width, bias=False)

    def key_values(self, x, positions):
        n, length, width = x.shape
        split = (n, length, self.heads, width // self.heads)
        return rope(self.key(x).view(split), positions), self.value(x).view(split)

    def forward(self, x, positions, keys, values, mask):
        n, length, width = x.shape
        size = width // self.heads
        q = rope(self.query(x).view(n, length, self.heads, size), positions) * size ** -0.5
        # Written out rather than scaled_dot_product_attention, whose fused kernels need not
        # support the double backward thinking requires.
        scores = q.transpose(1, 2) @ keys.permute(0, 2, 3, 1)
        weights = torch.softmax(scores + mask, dim=-1)
        attended = weights @ values.transpose(1, 2)
        return self.output(attended.transpose(1, 2).reshape(n, length, width))


class SwiGLU(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.gate = linear(width, hidden, bias=False)
        self.up = linear(width, hidden, bias=False)
        self.down = linear(hidden, width, bias=False)

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


class Block(nn.Module):
    def __init__(self, width, heads, hidden):
        super().__init__()
        self.attention_norm = nn.RMSNorm(width, eps=1e-5)
        self.attention = Attention(width, heads)
        self.feed_forward_norm = nn.RMSNorm(width, eps=1e-5)
        self.feed_forward = SwiGLU(width, hidden)

    def forward(self, x, positions, mask, prefix=None):
        """x attends to `prefix` (another stream's keys and values) followed by its own."""
        normalized = self.attention_norm(x)
        own = self.attention.key_values(normalized, positions)
        keys, values = own if prefix is None else (torch.cat([prefix[0], own[0]], 1), torch.cat([prefix[1], own[1]], 1))
        h = x + self.attention(normalized, positions, keys, values, mask)
        return h + self.feed_forward(self.feed_forward_norm(h)), own


class EnergyModel(nn.Module):
    """ModelConfig(kind: .ebt, size: .tiny, embeddingSize: 1024, patchCount: 64, context: 4, ...)."""

    def __init__(self, components=16, width=64, layers=2, heads=2):
        super().__init__()
        hidden = (8 * width // 3 + 7) // 8 * 8
        self.components = components
        self.input_projection = linear(2 * NEIGHBOURHOOD * components, width)
        self.blocks = nn.ModuleList(Block(width, heads, hidden) for _ in range(layers))
        self.candidate_marker = nn.Parameter(torch.randn(width) * 0.02)
        self.final_norm = nn.RMSNorm(width, eps=1e-5)
        self.correction_head = linear(width, components, std=0.02 / math.sqrt(width))
        self.level_weights = nn.Parameter(torch.zeros(2))
        self.log_step_size = nn.Parameter(torch.zeros(1))   # log of the initial step size 1

    def observe(self, frames, index):
        """Each block's keys and values of the observed frames [batch, seq, embedding]; computed once."""
        length = frames.shape[1]
        previous = torch.cat([frames[:, :1], frames[:, :-1]], dim=1)
        h = self.input_projection(patch_tokens(frames, previous, index, self.components))
        positions = list(range(length))
        mask = additive_mask(length, length, lambda r, c: c <= r)
        key_values = []
        for i, block in enumerate(self.blocks):
            if i == len(self.blocks) - 1:   # the last block's output is never read
                key_values.append(block.attention.key_values(block.attention_norm(h), positions))
            else:
                h, own = block(h, positions, mask)
                key_values.append(own)
        return key_values

    def patch_energies(self, candidates, positions, observed, key_values, anchors, features, index):
        """Per-patch energies [batch, count, patches] of candidates [batch, count, embedding]."""
        batch, count, values = candidates.shape
        patches, length = values // self.components, observed.shape[1]
        mask = additive_mask(count, length + count, lambda r, c: c < positions[r] if c < length else c - length == r)
        previous = observed[:, [q - 1 for q in positions]]
        h = self.input_projection(patch_tokens(candidates, previous, index, self.components)) + self.candidate_marker
        for block, prefix in zip(self.blocks, key_values):
            h, _ = block(h, positions, mask, prefix)
        state = self.final_norm(h)
        correction = candidates - anchors - framewise(self.correction_head(state), batch, patches)
        bowl = 0.5 * correction.view(batch, count, patches, self.components).square().sum(-1)
        return bowl + (features * self.level_weights).sum(-1)


def level_features(observed, anchors, positions, rows, columns, components):
    """LevelFeatures [batch, count, patches, 2]: the change just observed at each patch, 1/2 |x_last - x_prev|^2,
    and the change the first guess makes, 1/2 |anchor - x_last|^2."""
    last = observed[:, [q - 1 for q in positions]]
    before = observed[:, [max(q - 1, 1) - 1 for q in positions]]
    batch, count, _ = last.shape
    def per_patch(difference):
        return 0.5 * difference.view(batch, count, rows * columns, components).square().sum(-1)
    return torch.stack([per_patch(last - before), per_patch(anchors - last)], dim=-1)


def training_step(model, optimizer, windows, guesses, index, rows, columns, thinking_steps=2):
    length = windows.shape[1] - 1
    observed, targets = windows[:, :length], windows[:, 1:]
    positions = list(range(1, length + 1))
    anchors = guesses[:, 1:].detach()                   # the first guesses: the bowl's anchor and the start
    key_values = model.observe(observed, index)
    with torch.no_grad():
        features = level_features(observed, anchors, positions, rows, columns, model.components)
    candidate = anchors.clone().requires_grad_()
    step_size = model.log_step_size.exp()
    losses = []
    for _ in range(thinking_steps):
        energy = model.patch_energies(candidate, positions, observed, key_values, anchors, features, index).sum()
        (gradient,) = torch.autograd.grad(energy, candidate, create_graph=True)
        candidate = candidate - step_size * gradient
        losses.append(F.smooth_l1_loss(candidate, targets, beta=1.0))
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
    batch, context, rows, columns, components = 16, 4, 8, 8, 16
    embedding = rows * columns * components
    index = neighbour_index(rows, columns)
    model = EnergyModel(components)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}], lr=1e-4)
    batches = []
    for _ in range(4):
        windows = torch.randn(batch, context + 1, embedding)
        batches.append((windows, windows + 0.1 * torch.randn_like(windows)))
    print(f"parameters: {sum(p.numel() for p in model.parameters())}", flush=True)

    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with counter:
        training_step(model, optimizer, *batches[0], index, rows, columns)
    print(f"gemm_gflop_per_step: {counter.get_total_flops() / 1e9:.4f}", flush=True)
    for windows, guesses in batches[:2]:
        training_step(model, optimizer, windows, guesses, index, rows, columns)
    began = time.perf_counter()
    for i in range(arguments.steps):
        loss = training_step(model, optimizer, *batches[i % len(batches)], index, rows, columns)
    seconds = time.perf_counter() - began
    if loss != loss:
        sys.exit("the loss is not a number")
    print(f"windows_per_s: {arguments.steps * batch / seconds:.2f}")


if __name__ == "__main__":
    main()
