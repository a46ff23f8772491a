#!/usr/bin/env python3
"""Splits ../shared/data/real-aarongs by photo number into real-train (photos 1-5) and
real-test (photos 6-7) in the current directory: annotation files are written, the images
folder is linked, no photo is copied.  Usage: split-real-photos.py REAL_DIR"""
import json
import os
import sys

real = sys.argv[1]
data = json.load(open(os.path.join(real, "annotations.json")))
for name, photos in [("real-train", {1, 2, 3, 4, 5}), ("real-test", {6, 7})]:
    os.makedirs(name, exist_ok=True)
    images = [i for i in data["images"] if i["photo"] in photos]
    ids = {i["id"] for i in images}
    subset = dict(data, images=images, annotations=[a for a in data["annotations"] if a["image_id"] in ids])
    json.dump(subset, open(os.path.join(name, "annotations.json"), "w"))
    if not os.path.exists(os.path.join(name, "images")):
        os.symlink(os.path.join(real, "images"), os.path.join(name, "images"))
