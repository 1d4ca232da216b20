#!/usr/bin/env python3
# Shortest strong path from the GC roots to each instance of a class in an HPROF heap dump (weak and soft
# referents are not followed). Usage: heap-paths.py DUMP [CLASS] [FIELDS-NOT-FOLLOWED]. Used by tomcat.sh to say
# what holds a class loader of an undeployed application.
import struct, sys, collections
f = open(sys.argv[1], 'rb').read()
target_class = sys.argv[2] if len(sys.argv) > 2 else 'org.apache.catalina.loader.ParallelWebappClassLoader'
p = f.index(b'\0') + 1
idsize = struct.unpack('>I', f[p:p+4])[0]; p += 4 + 8
def rid(o): return int.from_bytes(f[o:o+idsize], 'big')
strings = {}; class_name = {}  # class obj id -> name
classes = {}  # id -> (super, loader, statics refs, fields [(name,type)])
inst = {}     # obj id -> (class id, offset, length)
arrays = {}   # obj id -> list of refs
roots = []
TS = {2: idsize, 4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}
n = len(f)
while p < n:
    tag = f[p]; length = struct.unpack('>I', f[p+5:p+9])[0]; body = p + 9; end = body + length; p = end
    if tag == 0x01:
        strings[rid(body)] = f[body+idsize:end].decode('utf-8', 'replace')
    elif tag == 0x02:
        class_name[rid(body+4)] = strings.get(rid(body+8+idsize), '?').replace('/', '.')
    elif tag in (0x0c, 0x1c):
        q = body
        while q < end:
            st = f[q]; q += 1
            if st == 0xff: roots.append((rid(q), 'unknown')); q += idsize
            elif st == 0x01: roots.append((rid(q), 'jni global')); q += 2*idsize
            elif st in (0x02,): roots.append((rid(q), 'jni local')); q += idsize + 8
            elif st == 0x03: roots.append((rid(q), 'java frame')); q += idsize + 8
            elif st == 0x04: roots.append((rid(q), 'native stack')); q += idsize + 4
            elif st == 0x05: roots.append((rid(q), 'sticky class')); q += idsize
            elif st == 0x06: roots.append((rid(q), 'thread block')); q += idsize + 4
            elif st == 0x07: roots.append((rid(q), 'monitor used')); q += idsize
            elif st == 0x08: roots.append((rid(q), 'thread object')); q += idsize + 8
            elif st == 0x20:
                cid = rid(q); q += idsize + 4; sup = rid(q); q += idsize; loader = rid(q); q += idsize
                q += 4*idsize + 4
                ncp = struct.unpack('>H', f[q:q+2])[0]; q += 2
                for _ in range(ncp):
                    q += 2; t = f[q]; q += 1 + TS[t]
                nst = struct.unpack('>H', f[q:q+2])[0]; q += 2
                srefs = []
                for _ in range(nst):
                    nm = rid(q); q += idsize; t = f[q]; q += 1
                    if t == 2: srefs.append((strings.get(nm, '?'), rid(q)))
                    q += TS[t]
                nf = struct.unpack('>H', f[q:q+2])[0]; q += 2
                flds = []
                for _ in range(nf):
                    nm = rid(q); q += idsize; t = f[q]; q += 1
                    flds.append((strings.get(nm, '?'), t))
                classes[cid] = (sup, loader, srefs, flds)
            elif st == 0x21:
                oid = rid(q); q += idsize + 4; cid = rid(q); q += idsize
                ln = struct.unpack('>I', f[q:q+4])[0]; q += 4
                inst[oid] = (cid, q, ln); q += ln
            elif st == 0x22:
                oid = rid(q); q += idsize + 4; cnt = struct.unpack('>I', f[q:q+4])[0]; q += 4 + idsize
                arrays[oid] = [rid(q + i*idsize) for i in range(cnt)]; q += cnt*idsize
            elif st == 0x23:
                q += idsize + 4; cnt = struct.unpack('>I', f[q:q+4])[0]; t = f[q+4]; q += 5 + cnt*TS[t]
            else:
                raise SystemExit('unknown subtag %x' % st)
layout = {}
def fields_of(cid):
    if cid in layout: return layout[cid]
    out = []; c = cid
    while c and c in classes:
        out.extend(classes[c][3]); c = classes[c][0]
    layout[cid] = out; return out
def refs(oid):
    if oid in inst:
        cid, off, ln = inst[oid]; q = off; out = [('<class>', cid)]
        for nm, t in fields_of(cid):
            if t == 2: out.append((nm, rid(q)))
            q += TS[t]
        return out
    if oid in arrays: return [('[%d]' % i, r) for i, r in enumerate(arrays[oid])]
    if oid in classes:
        sup, loader, srefs, _ = classes[oid]
        return [('<loader>', loader)] + srefs
    return []
def cname(oid):
    if oid in inst: return class_name.get(inst[oid][0], '?')
    if oid in classes: return 'class ' + class_name.get(oid, '?')
    if oid in arrays: return 'Object[]'
    return '?'
targets = {o for o, (c, _, _) in inst.items() if class_name.get(c) == target_class}
print(len(targets), 'instances of', target_class)
# BFS from roots, skipping weak/soft/phantom referents
skip = set(sys.argv[3].split(',')) if len(sys.argv) > 3 else {'referent'}
prev = {}; dq = collections.deque()
for r, kind in roots:
    if r not in prev: prev[r] = (None, kind); dq.append(r)
found = []
while dq:
    o = dq.popleft()
    if o in targets: found.append(o)
    for nm, r in refs(o):
        if r and r not in prev and nm not in skip:
            prev[r] = (o, nm); dq.append(r)
for t in found:
    chain = []; o = t
    while o is not None:
        par, nm = prev[o]; chain.append('%s  (via %s)' % (cname(o), nm)); o = par
    print('--- path to', hex(t))
    for line in reversed(chain[:40]): print('  ', line)
