"""Writes vision/src/test/resources/clip-tiny/: a tiny Hugging Face-style CLIP checkpoint (a CLIPModel
state dict: vision_model.* plus text-side tensors, and config.json) saved with torch.save as
pytorch_model.bin, with input pixels and the vision tower's last_hidden_state computed by torch at the
native 12x12 and at 8x20 (HF's interpolate_pos_encoding), the oracle for ClipTorchFixtureTest.

The forward follows transformers' modeling_clip.py (CLIPVisionEmbeddings incl. interpolate_pos_encoding,
CLIPAttention, CLIPMLP with quick_gelu, CLIPEncoderLayer, pre_layrnorm) written with torch ops; run with
Debian's python3-torch 1.13 (`/usr/bin/python3 make_clip_fixture.py <out dir>`).
"""
import json
import sys

import torch
from torch import nn
from torch.nn import functional as F

HIDDEN, INTER, LAYERS, HEADS, IMAGE, PATCH, EPS = 12, 20, 2, 3, 12, 4, 1e-5


class Embeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.class_embedding = nn.Parameter(torch.randn(HIDDEN))
        self.patch_embedding = nn.Conv2d(3, HIDDEN, kernel_size=PATCH, stride=PATCH, bias=False)
        self.num_positions = (IMAGE // PATCH) ** 2 + 1
        self.position_embedding = nn.Embedding(self.num_positions, HIDDEN)
        self.register_buffer("position_ids", torch.arange(self.num_positions).expand((1, -1)), persistent=True)

    def interpolate_pos_encoding(self, embeddings, height, width):
        num_patches = embeddings.shape[1] - 1
        pos = self.position_embedding.weight.unsqueeze(0)
        num_positions = pos.shape[1] - 1
        if num_patches == num_positions and height == width:
            return self.position_embedding(self.position_ids)
        class_pos, patch_pos = pos[:, :1], pos[:, 1:]
        side = int(num_positions ** 0.5)
        patch_pos = patch_pos.reshape(1, side, side, HIDDEN).permute(0, 3, 1, 2)
        patch_pos = F.interpolate(patch_pos, size=(height // PATCH, width // PATCH), mode="bicubic", align_corners=False)
        patch_pos = patch_pos.permute(0, 2, 3, 1).view(1, -1, HIDDEN)
        return torch.cat((class_pos, patch_pos), dim=1)

    def forward(self, pixel_values):
        b, _, h, w = pixel_values.shape
        patches = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(b, 1, -1)
        x = torch.cat([cls, patches], dim=1)
        return x + self.interpolate_pos_encoding(x, h, w)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.head_dim = HIDDEN // HEADS
        self.scale = self.head_dim ** -0.5
        self.k_proj, self.v_proj, self.q_proj, self.out_proj = (nn.Linear(HIDDEN, HIDDEN) for _ in range(4))

    def forward(self, x):
        b, s, _ = x.shape
        def shape(t):
            return t.view(b, s, HEADS, self.head_dim).transpose(1, 2)
        q, k, v = shape(self.q_proj(x) * self.scale), shape(self.k_proj(x)), shape(self.v_proj(x))
        probs = torch.softmax(q @ k.transpose(-1, -2), dim=-1)
        return self.out_proj((probs @ v).transpose(1, 2).reshape(b, s, HIDDEN))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(HIDDEN, INTER), nn.Linear(INTER, HIDDEN)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(h * torch.sigmoid(1.702 * h))      # quick_gelu


class EncoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.self_attn, self.layer_norm1 = Attention(), nn.LayerNorm(HIDDEN, eps=EPS)
        self.mlp, self.layer_norm2 = Mlp(), nn.LayerNorm(HIDDEN, eps=EPS)

    def forward(self, x):
        x = x + self.self_attn(self.layer_norm1(x))
        return x + self.mlp(self.layer_norm2(x))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([EncoderLayer() for _ in range(LAYERS)])


class VisionTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = Embeddings()
        self.pre_layrnorm = nn.LayerNorm(HIDDEN, eps=EPS)
        self.encoder = Encoder()
        self.post_layernorm = nn.LayerNorm(HIDDEN, eps=EPS)

    def forward(self, pixel_values):
        x = self.pre_layrnorm(self.embeddings(pixel_values))
        for layer in self.encoder.layers:
            x = layer(x)
        return x                                               # last_hidden_state


def main(out):
    torch.manual_seed(4321)
    vision = VisionTransformer()
    with torch.no_grad():
        for _, p in vision.named_parameters():
            p.add_(torch.randn_like(p) * 0.3)
    state = {"vision_model." + k: v for k, v in vision.state_dict().items()}
    state["text_model.embeddings.token_embedding.weight"] = torch.randn(7, 8)
    state["visual_projection.weight"] = torch.randn(8, HIDDEN)
    state["logit_scale"] = torch.tensor(2.6592)
    torch.save(state, f"{out}/pytorch_model.bin")
    config = {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 8,
              "text_config": {"hidden_size": 8}, "vision_config": {
                  "hidden_size": HIDDEN, "intermediate_size": INTER, "num_hidden_layers": LAYERS,
                  "num_attention_heads": HEADS, "image_size": IMAGE, "patch_size": PATCH,
                  "hidden_act": "quick_gelu", "layer_norm_eps": EPS}}
    with open(f"{out}/config.json", "w") as f:
        json.dump(config, f, indent=2)
    with torch.no_grad():
        for (h, w) in [(12, 12), (8, 20)]:
            pixels = torch.randn(2, 3, h, w)
            pixels.numpy().astype("<f4").tofile(f"{out}/pixels-2x3x{h}x{w}.f32")
            vision(pixels).numpy().astype("<f4").tofile(f"{out}/expected-{h}x{w}.f32")


if __name__ == "__main__":
    main(sys.argv[1])
