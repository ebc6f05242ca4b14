"""Writes vision/src/test/resources/qwen-tiny/: a tiny QWen-VL visual tower saved with torch.save the way
DeepSpeed-VisualChat's helper/extract_qwen_vl.py saves qwen_clip/pytorch_model.bin (state dict without
`proj`), plus input pixels and the tower's output computed by torch (the oracle for QwenTorchFixtureTest).

The modules follow Qwen-VL's visual.py (VisualAttention with the per-head fused in_proj, VisualAttentionBlock,
Resampler with nn.MultiheadAttention, get_abs_pos bicubic interpolation, MAE 2-D sin-cos) with the sizes
shrunk: run with Debian's python3-torch 1.13 (`/usr/bin/python3 make_qwen_fixture.py <out dir>`).
"""
import math
import sys
from collections import OrderedDict
from functools import partial

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

IMAGE, PATCH, WIDTH, LAYERS, HEADS, MLP = 20, 4, 12, 2, 3, 20
OUTPUT, QUERY_GRID, POOL_HEADS, POS_GRID = 16, 2, 2, 3


def get_abs_pos(abs_pos, tgt_size):
    src_size = int(math.sqrt(abs_pos.size(0)))
    tgt_size = int(math.sqrt(tgt_size))
    dtype = abs_pos.dtype
    if src_size != tgt_size:
        return F.interpolate(abs_pos.float().reshape(1, src_size, src_size, -1).permute(0, 3, 1, 2),
                             size=(tgt_size, tgt_size), mode="bicubic", align_corners=False,
                             ).permute(0, 2, 3, 1).flatten(0, 2).to(dtype=dtype)
    return abs_pos


def get_2d_sincos_pos_embed(embed_dim, grid_size):
    grid_h = np.arange(grid_size, dtype=np.float32)
    grid_w = np.arange(grid_size, dtype=np.float32)
    grid = np.meshgrid(grid_w, grid_h)
    grid = np.stack(grid, axis=0).reshape([2, 1, grid_size, grid_size])
    emb_h = get_1d_sincos(embed_dim // 2, grid[0])
    emb_w = get_1d_sincos(embed_dim // 2, grid[1])
    return np.concatenate([emb_h, emb_w], axis=1)


def get_1d_sincos(embed_dim, pos):
    omega = np.arange(embed_dim // 2, dtype=np.float32)
    omega /= embed_dim / 2.
    omega = 1. / 10000 ** omega
    out = np.einsum('m,d->md', pos.reshape(-1), omega)
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)


class Resampler(nn.Module):
    def __init__(self, grid_size, embed_dim, num_heads, kv_dim, norm_layer):
        super().__init__()
        self.pos_embed = nn.Parameter(torch.from_numpy(get_2d_sincos_pos_embed(embed_dim, grid_size)).float()).requires_grad_(False)
        self.query = nn.Parameter(torch.zeros(grid_size ** 2, embed_dim))
        nn.init.trunc_normal_(self.query, std=.02)
        self.kv_proj = nn.Linear(kv_dim, embed_dim, bias=False) if kv_dim != embed_dim else nn.Identity()
        self.attn = nn.MultiheadAttention(embed_dim, num_heads)
        self.ln_q = norm_layer(embed_dim)
        self.ln_kv = norm_layer(embed_dim)

    def forward(self, x):
        pos_embed = get_abs_pos(self.pos_embed, x.size(1))
        x = self.kv_proj(x)
        x = self.ln_kv(x).permute(1, 0, 2)
        n = x.shape[1]
        q = self.ln_q(self.query)
        out = self.attn(q.unsqueeze(1).repeat(1, n, 1) + self.pos_embed.unsqueeze(1), x + pos_embed.unsqueeze(1), x)[0]
        return out.permute(1, 0, 2)


class VisualAttention(nn.Module):
    def __init__(self, embed_dim, num_heads):
        super().__init__()
        self.heads, self.head_dim = num_heads, embed_dim // num_heads
        self.in_proj = nn.Linear(embed_dim, 3 * embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)
        self.norm_factor = math.sqrt(self.head_dim)

    def forward(self, query):
        sq, b, _ = query.size()
        mixed = self.in_proj(query)
        mixed = mixed.view(*(mixed.size()[:-1] + (self.heads, 3 * self.head_dim)))
        q, k, v = mixed.split(self.head_dim, dim=-1)
        q = q.reshape(sq, b * self.heads, self.head_dim).transpose(0, 1)
        k = k.reshape(sq, b * self.heads, self.head_dim).transpose(0, 1)
        probs = torch.bmm(q / self.norm_factor, k.transpose(-2, -1)).softmax(dim=-1)
        v = v.reshape(sq, b * self.heads, self.head_dim).transpose(0, 1)
        ctx = torch.bmm(probs, v).view(b, self.heads, sq, self.head_dim).permute(2, 0, 1, 3).contiguous()
        return self.out_proj(ctx.view(sq, b, self.heads * self.head_dim))


class VisualAttentionBlock(nn.Module):
    def __init__(self, d_model, n_head, mlp_width, norm_layer):
        super().__init__()
        self.ln_1 = norm_layer(d_model)
        self.ln_2 = norm_layer(d_model)
        self.attn = VisualAttention(d_model, n_head)
        self.mlp = nn.Sequential(OrderedDict([("c_fc", nn.Linear(d_model, mlp_width)), ("gelu", nn.GELU()),
                                              ("c_proj", nn.Linear(mlp_width, d_model))]))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class TransformerBlock(nn.Module):
    def __init__(self, width, layers, heads, mlp_width, norm_layer):
        super().__init__()
        self.resblocks = nn.ModuleList([VisualAttentionBlock(width, heads, mlp_width, norm_layer) for _ in range(layers)])

    def forward(self, x):
        for r in self.resblocks:
            x = r(x)
        return x


class VisionTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        norm_layer = partial(nn.LayerNorm, eps=1e-6)
        self.conv1 = nn.Conv2d(3, WIDTH, kernel_size=PATCH, stride=PATCH, bias=False)
        self.positional_embedding = nn.Parameter(WIDTH ** -0.5 * torch.randn(POS_GRID ** 2, WIDTH))
        self.ln_pre = norm_layer(WIDTH)
        self.transformer = TransformerBlock(WIDTH, LAYERS, HEADS, MLP, norm_layer)
        self.attn_pool = Resampler(QUERY_GRID, OUTPUT, POOL_HEADS, WIDTH, norm_layer)
        self.ln_post = norm_layer(OUTPUT)
        self.proj = nn.Parameter(OUTPUT ** -0.5 * torch.randn(OUTPUT, OUTPUT))

    def forward(self, x):
        x = self.conv1(x)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        x = x + get_abs_pos(self.positional_embedding, x.size(1))
        x = self.ln_pre(x).permute(1, 0, 2)
        x = self.transformer(x).permute(1, 0, 2)
        return self.ln_post(self.attn_pool(x))      # DS-VisualChat: no `@ self.proj`


def main(out):
    torch.manual_seed(1234)
    model = VisionTransformer()
    with torch.no_grad():   # make every LayerNorm and bias non-trivial
        for name, p in model.named_parameters():
            if name != "attn_pool.pos_embed":
                p.add_(torch.randn_like(p) * 0.3)
    model.eval()
    state = {k: v for k, v in model.state_dict().items() if k != "proj"}   # extract_qwen_vl.py drops proj
    torch.save(state, f"{out}/pytorch_model.bin")
    pixels = torch.randn(2, 3, IMAGE, IMAGE)
    with torch.no_grad():
        y = model(pixels)
    pixels.numpy().astype("<f4").tofile(f"{out}/pixels-2x3x20x20.f32")
    y.numpy().astype("<f4").tofile(f"{out}/expected-2x4x16.f32")


if __name__ == "__main__":
    main(sys.argv[1])
