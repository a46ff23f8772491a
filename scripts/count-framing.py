#!/usr/bin/env python3
"""Wing-length errors of a count against the truth, by how the detector's box frames each fly.

Usage: scripts/count-framing.py ANNOTATIONS.json OUT/flies.json
(the annotations of a FlySim photo set, and the flies.json that `flytally count` wrote for its
photos). Each counted fly is matched to the true fly its box overlaps most (IoU >= 0.1); the
side ratio is the longer side of the detected box over the longer side of the true box. Prints
each trait's accuracy over the matched flies whose truth is known, per true wing length how
many were called wrong, and for long-winged flies the share called
miniature in bins of that ratio.
"""
import json, os, sys, statistics as st
ann=json.load(open(sys.argv[1])); flies=json.load(open(sys.argv[2]))
imgs={i['id']:i['file_name'] for i in ann['images']}
gt={}
for a in ann['annotations']:
    gt.setdefault(os.path.basename(imgs[a['image_id']]),[]).append(a)
def iou(a,b):
    ax0,ay0,aw,ah=a; bx0,by0,bw,bh=b
    ix=max(0,min(ax0+aw,bx0+bw)-max(ax0,bx0)); iy=max(0,min(ay0+ah,by0+bh)-max(ay0,by0))
    i=ix*iy; return i/(aw*ah+bw*bh-i)
rows=[]
for f in flies:
    cands=gt.get(os.path.basename(f['photo']),[])
    if not cands: continue
    best=max(cands,key=lambda a: iou(a['bbox'],f['box']))
    v=iou(best['bbox'],f['box'])
    if v<0.1: continue
    g=best['bbox']; b=f['box']
    side_ratio=max(b[2],b[3])/max(g[2],g[3])
    rows.append((best['attributes'].get('wing'), f['wing'], side_ratio, v, best['attributes'], f))
print("matched",len(rows))
for trait in ('eye', 'wing', 'sex'):
    known = [x for x in rows if x[4].get(trait) in ({'eye': ('red', 'white'), 'wing': ('long', 'miniature'), 'sex': ('female', 'male')}[trait])]
    right = sum(1 for x in known if x[5][trait] == x[4][trait])
    if known: print("%s: %d of %d right (%.2f%%)" % (trait, right, len(known), 100 * right / len(known)))
unknown = [x for x in rows if x[0] not in ('long', 'miniature')]
if unknown: print("no wing truth: %d flies, %d called miniature" % (len(unknown), sum(1 for x in unknown if x[1] == 'miniature')))
for truth in ['long','miniature']:
    r=[x for x in rows if x[0]==truth]
    if not r: continue
    wrong=[x for x in r if x[1]!=truth]
    print(truth, len(r), "wrong", len(wrong), "median side ratio all %.2f wrong %.2f"%(st.median([x[2] for x in r]), st.median([x[2] for x in wrong]) if wrong else 0), "median IoU all %.2f wrong %.2f"%(st.median([x[3] for x in r]), st.median([x[3] for x in wrong]) if wrong else 0))
# wing error by side ratio bins for long flies
bins=[0,0.7,0.8,0.9,1.0,1.1,1.3,9]
r=[x for x in rows if x[0]=='long']
for lo,hi in zip(bins,bins[1:]):
    b=[x for x in r if lo<=x[2]<hi]
    if b: print("long, side ratio %.1f-%.1f: %d flies, called miniature %d (%.0f%%)"%(lo,hi,len(b),sum(x[1]!='long' for x in b),100*sum(x[1]!='long' for x in b)/len(b)))
