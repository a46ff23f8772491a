#!/usr/bin/env python3
"""How much a widened detector's heads use their new channels: the mean |weight| of each head
output over the first N input channels (the narrow detector's) and over the rest (the channels
widening added, which start at zero; `FlyDetector.copyWidened`).

Usage: scripts/head-weight-share.py MODEL.safetensors N
"""
import array
import json
import struct
import sys


def main(path, narrow):
    with open(path, 'rb') as f:
        size = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(size))
        for name in ('heat.2.weight', 'box.2.weight'):
            entry = header[name]
            if entry['dtype'] != 'F32':
                sys.exit(f"{path}: {name} is {entry['dtype']}; give an fp32 model file")
            start, end = entry['data_offsets']
            f.seek(8 + size + start)
            weights = array.array('f')
            weights.frombytes(f.read(end - start))
            outputs, inputs = entry['shape'][0], entry['shape'][3]
            if not 0 < narrow < inputs:
                sys.exit(f"{path}: {name} has {inputs} inputs; N must be between 1 and {inputs - 1}")
            for o in range(outputs):
                row = weights[o * inputs:(o + 1) * inputs]
                old = sum(abs(w) for w in row[:narrow]) / narrow
                new = sum(abs(w) for w in row[narrow:]) / (inputs - narrow)
                print(f"{name} output {o}: mean |w| first {narrow} channels {old:.3f}, the other {inputs - narrow} {new:.3f} ({100 * new / old:.0f} %)")


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]))
