#!/usr/bin/env python3
"""gen_tflite.py MODEL.yaml OUT_DIR [--dtype s8|u8] — a TFLite model in JSON with the layer
table of a qtune model file, for `flatc -b tuner/import/tflite_subset.fbs OUT_DIR/<name>.json`,
and the model file `tune import` must make of it, OUT_DIR/expected/<name>.yaml.

The .tflite has one CONV_2D or DEPTHWISE_CONV_2D per layer (an ADD between some of them, which
the importer must skip), the padding as SAME or VALID (whichever gives the file's pads; the
generator refuses a layer that neither does), layer outputs chained into the next layer's
input where the shapes match, and quantization parameters drawn from a fixed seed: per-tensor
activation scales and zero points, per-channel filter scales (int8) or one (uint8), fused
RELU6 on stem/expand/dw/head layers and NONE on project layers. The expected file's `quant`
is computed here, independently of the C importer, from TFLite's definitions: QuantizeMultiplier
(frexp, round half away from zero, the 2^31 carry, the shift range), the effective scale
(int8: in * filter / out in double; uint8: float(in * filter) / out) and
CalculateActivationRangeQuantized (zp + round(f / scale) in float32). Only the standard library.
"""
import json
import math
import os
import random
import re
import struct
import sys


def f32(x):
    """x rounded to float32 (as a Python float, which holds it exactly)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def round_away(x):
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def quantize_multiplier(d):
    if d == 0.0:
        return 0, 0
    q, shift = math.frexp(d)
    q_fixed = round_away(q * (1 << 31))  # exact: q * 2^31 scales by a power of two
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30:
        return (1 << 31) - 1, 30
    return q_fixed, shift


def act_range(act, scale, zp, qmin, qmax):
    def quantize(f):
        return zp + int(round_away(f32(f / scale)))  # float32 division (correctly rounded via double)
    lo, hi = qmin, qmax
    if act == "RELU":
        lo = max(qmin, quantize(0.0))
    elif act == "RELU6":
        lo, hi = max(qmin, quantize(0.0)), min(qmax, quantize(6.0))
    elif act == "RELU_N1_TO_1":
        lo, hi = max(qmin, quantize(-1.0)), min(qmax, quantize(1.0))
    return lo, hi


LINE = re.compile(r"^\s*-\s*\{(.*)\}\s*$")


def read_model(path):
    """The top-level scalars and the layer mappings of a qtune model file (one flow mapping
    per layer line, as the shipped files have)."""
    top, layers = {}, []
    for raw in open(path):
        line = raw.split("#", 1)[0].rstrip()
        m = LINE.match(line)
        if m:
            layer = {}
            for item in m.group(1).split(","):
                k, v = item.split(":", 1)
                v = v.strip()
                layer[k.strip()] = int(v) if re.fullmatch(r"-?\d+", v) else v
            layers.append(layer)
        elif re.match(r"^[a-z_]+:\s*\S", line):
            k, v = line.split(":", 1)
            top[k.strip()] = v.strip().strip('"')
    return top, layers


def padding_of(l):
    """SAME or VALID, whichever TFLite resolves to the layer's explicit pads."""
    def axis(pad, inn, k, s, d):
        eff = d * (k - 1) + 1
        same_out = (inn + s - 1) // s
        total = max((same_out - 1) * s + eff - inn, 0)
        valid_out = (inn - eff + s) // s
        return (total // 2, total - total // 2, same_out), (0, 0, valid_out)
    h = axis(l["pad_top"], l["in_h"], l["kh"], l["stride_h"], l["dilation"])
    w = axis(l["pad_left"], l["in_w"], l["kw"], l["stride_w"], l["dilation"])
    want_h = (l["pad_top"], l["pad_bottom"], l["out_h"])
    want_w = (l["pad_left"], l["pad_right"], l["out_w"])
    if h[0] == want_h and w[0] == want_w:
        return "SAME"
    if h[1] == want_h and w[1] == want_w:
        return "VALID"
    sys.exit("layer %s: its pads are neither TFLite's SAME nor VALID" % l["name"])


def main():
    args = sys.argv[1:]
    dtype = "s8"
    if "--dtype" in args:
        i = args.index("--dtype")
        dtype = args[i + 1]
        del args[i:i + 2]
    src, out_dir = args
    top, layers = read_model(src)
    name = top["model"] + ("_u8" if dtype == "u8" else "")
    s8 = dtype == "s8"
    qmin, qmax = (-128, 127) if s8 else (0, 255)
    ttype = "INT8" if s8 else "UINT8"
    rng = random.Random(20261204)
    batch = int(top.get("batch", 1))

    tensors, buffers, operators, expected = [], [{}], [], []

    def tensor(tname, shape, ttype_, scales, zps, qdim=0):
        tensors.append({"shape": shape, "type": ttype_, "buffer": 0, "name": tname,
                        "quantization": {"scale": scales, "zero_point": zps,
                                         "quantized_dimension": qdim}})
        return len(tensors) - 1

    def act_tensor(tname, shape):
        """An activation tensor with a drawn scale and zero point."""
        scale = f32(rng.uniform(0.004, 0.2))
        zp = rng.randint(-128, 127) if s8 else rng.randint(0, 255)
        idx = tensor(tname, shape, ttype, [scale], [zp])
        return idx, scale, zp

    prev = None  # (tensor index, shape, scale, zp) of the previous layer's output
    for i, l in enumerate(layers):
        in_shape = [batch, l["in_h"], l["in_w"], l["in_c"]]
        if prev and prev[1] == in_shape:
            x, in_scale, in_zp = prev[0], prev[2], prev[3]
        else:
            x, in_scale, in_zp = act_tensor(l["name"] + "_input", in_shape)
        dw = l["op"] == "depthwise_conv2d"
        oc = l["out_c"]
        fshape = [1, l["kh"], l["kw"], oc] if dw else [oc, l["kh"], l["kw"], l["in_c"]]
        if s8:
            fscales = [f32(rng.uniform(0.0005, 0.05)) for _ in range(oc)]
            fzps = [0] * oc
        else:
            fscales = [f32(rng.uniform(0.0005, 0.05))]
            fzps = [rng.randint(90, 160)]
        w = tensor(l["name"] + "_weights", fshape, ttype, fscales, fzps, 3 if dw else 0)
        b = tensor(l["name"] + "_bias", [oc], "INT32",
                   [f32(in_scale * s) for s in (fscales if s8 else fscales[:1])],
                   [0] * (oc if s8 else 1))
        act = "NONE" if l["role"] == "project" else "RELU6"
        out_shape = [batch, l["out_h"], l["out_w"], oc]
        if act == "RELU6" and rng.random() < 0.5:  # the usual [0, 6] over the whole range
            out_scale = f32(6.0 / 255.0)
            out_zp = -128 if s8 else 0
            y = tensor(l["name"], out_shape, ttype, [out_scale], [out_zp])
        else:
            y, out_scale, out_zp = act_tensor(l["name"], out_shape)
        opts = {"padding": padding_of(l), "stride_w": l["stride_w"], "stride_h": l["stride_h"],
                "fused_activation_function": act, "dilation_w_factor": l["dilation"],
                "dilation_h_factor": l["dilation"]}
        if dw:
            opts["depth_multiplier"] = l["depth_multiplier"]
        operators.append({"opcode_index": 1 if dw else 0, "inputs": [x, w, b], "outputs": [y],
                          "builtin_options_type": "DepthwiseConv2DOptions" if dw else "Conv2DOptions",
                          "builtin_options": opts})
        if i % 3 == 2:  # an operator the importer must skip
            operators.append({"opcode_index": 2, "inputs": [y, y], "outputs": [y]})

        mult, shift = [], []
        for c in range(oc):
            fs = fscales[c] if s8 else fscales[0]
            real = in_scale * fs / out_scale if s8 else f32(in_scale * fs) / out_scale
            m, e = quantize_multiplier(real)
            mult.append(m)
            shift.append(e)
        lo, hi = act_range(act, out_scale, out_zp, qmin, qmax)
        per = oc if s8 else 1
        expected.append((l, {"input_zp": in_zp, "weight_zp": 0 if s8 else fzps[0],
                             "output_zp": out_zp, "act_min": lo, "act_max": hi,
                             "multiplier": mult[:per], "shift": shift[:per]}))
        prev = (y, out_shape, out_scale, out_zp)

    model = {
        "version": 3,
        # CONV_2D as an old converter wrote it (the deprecated byte only), DEPTHWISE_CONV_2D as
        # a new one does (both fields), ADD as a third, skipped, operator.
        "operator_codes": [{"deprecated_builtin_code": 3, "version": 1},
                           {"deprecated_builtin_code": 4, "builtin_code": "DEPTHWISE_CONV_2D",
                            "version": 2},
                           {"deprecated_builtin_code": 0, "builtin_code": "ADD"}],
        "subgraphs": [{"tensors": tensors, "inputs": [0], "outputs": [len(tensors) - 1],
                       "operators": operators, "name": "main"}],
        "description": "qtune test model generated from " + os.path.basename(src),
        "buffers": buffers,
    }
    os.makedirs(os.path.join(out_dir, "expected"), exist_ok=True)
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(model, f, indent=1)
    keys = ["name", "op", "role", "in_h", "in_w", "in_c", "out_c", "kh", "kw", "stride_h",
            "stride_w", "pad_top", "pad_left", "pad_bottom", "pad_right", "dilation",
            "depth_multiplier", "out_h", "out_w", "macs"]
    with open(os.path.join(out_dir, "expected", name + ".yaml"), "w") as f:
        f.write("model: %s\ndtype: %s\nrequant: fixedpoint\nbatch: %d\nlayers:\n" % (name, dtype, batch))
        for l, q in expected:
            qtext = ", ".join("%s: %s" % (k, v) for k, v in q.items())
            f.write("  - {%s, quant: {%s}}\n" % (", ".join("%s: %s" % (k, l[k]) for k in keys), qtext))


if __name__ == "__main__":
    main()
