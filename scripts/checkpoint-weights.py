#!/usr/bin/env python3
"""Writes a trait model file holding the *training* weights of a checkpoint.

With `weightAverageDecay` in the recipe, `flytally train` saves the moving average of the
weights as the model, while the checkpoint keeps the last step's weights (under "model.") and
the average (under "extra.") apart. To compare the two on the same run, this copies MODEL (the
trained model file: its metadata and tensor names) with every tensor replaced by the
checkpoint's "model." tensor of the same name, or, with --average, by its "extra." tensor where
there is one (the parameters and batch-norm statistics; other buffers stay the training ones).

Usage: scripts/checkpoint-weights.py CHECKPOINT MODEL OUT [--average]
"""
import json
import struct
import sys


def read(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return header, data


def tensor_bytes(header, data, name):
    start, end = header[name]['data_offsets']
    return data[start:end]


def main():
    args = [a for a in sys.argv[1:] if a != '--average']
    if len(args) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    average = '--average' in sys.argv
    checkpoint, model, out = args
    ck_header, ck_data = read(checkpoint)
    m_header, _ = read(model)
    header, blobs, offset = {'__metadata__': m_header.get('__metadata__', {})}, [], 0
    for name in sorted(k for k in m_header if k != '__metadata__'):
        source = 'extra.' + name if average and 'extra.' + name in ck_header else 'model.' + name
        if source not in ck_header:
            sys.exit(f"{checkpoint}: no tensor '{source}' for '{name}' of {model}")
        entry = ck_header[source]
        if entry['shape'] != m_header[name]['shape'] or entry['dtype'] != m_header[name]['dtype']:
            sys.exit(f"{checkpoint}: '{source}' is {entry['dtype']} {entry['shape']}, {model} has {m_header[name]['dtype']} {m_header[name]['shape']}")
        blob = tensor_bytes(ck_header, ck_data, source)
        header[name] = {'dtype': entry['dtype'], 'shape': entry['shape'], 'data_offsets': [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header, separators=(',', ':')).encode()
    encoded += b' ' * (-len(encoded) % 8)
    with open(out, 'wb') as f:
        f.write(struct.pack('<Q', len(encoded)) + encoded + b''.join(blobs))


if __name__ == '__main__':
    main()
