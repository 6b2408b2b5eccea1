#!/usr/bin/env python3
"""Constructs extra Ed25519 edge cases (deterministic) -> extra_cases.json beside this file (python3 make_extra_cases.py).

Pure-Python edwards25519 arithmetic, written for this comparison only.
Each case records the verdict expected under three rule sets:
  cofactorless : enc([s]B - [h]A) == R bytes, S < L, A decoded leniently (y mod p)
  cofactored   : [8]([s]B - [h]A - R) == 0, S < L, A and R decoded leniently
  strict       : cofactorless + A canonical (y < p) + A, R not of small order
"""
import hashlib, json

p = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
d = -121665 * pow(121666, p - 2, p) % p
I = pow(2, (p - 1) // 4, p)  # sqrt(-1)


def inv(x): return pow(x, p - 2, p)


def recover_x(y, sign):
    xx = (y * y - 1) * inv(d * y * y + 1) % p
    x = pow(xx, (p + 3) // 8, p)
    if (x * x - xx) % p != 0:
        x = x * I % p
    if (x * x - xx) % p != 0:
        return None
    if x & 1 != sign:
        x = (-x) % p
    return x


def add(P, Q):
    x1, y1 = P; x2, y2 = Q
    t = d * x1 * x2 * y1 * y2 % p
    return ((x1 * y2 + x2 * y1) * inv(1 + t) % p, (y1 * y2 + x1 * x2) * inv(1 - t) % p)


def neg(P): return ((-P[0]) % p, P[1])


O = (0, 1)


def mul(k, P):
    R = O
    while k > 0:
        if k & 1: R = add(R, P)
        P = add(P, P); k >>= 1
    return R


By = 4 * inv(5) % p
B = (recover_x(By, 0), By)


def enc(P):
    x, y = P
    return (y | ((x & 1) << 255)).to_bytes(32, 'little')


def dec_lenient(b):
    """OpenSSL/libsodium-style decode: y taken mod p, sign bit applied even if x == 0."""
    v = int.from_bytes(b, 'little')
    y = (v & ((1 << 255) - 1)) % p
    x = recover_x(y, v >> 255)
    return None if x is None else (x, y)


def H(*parts):
    return int.from_bytes(hashlib.sha512(b''.join(parts)).digest(), 'little')


def order(P):
    for k in (1, 2, 4, 8):
        if mul(k, P) == O: return k
    if mul(L, P) == O: return L
    return 8 * L  # mixed (has torsion component)


def small(P): return mul(8, P) == O


def verdicts(Ab, Rb, Sb, M):
    S = int.from_bytes(Sb, 'little')
    A = dec_lenient(Ab)
    if S >= L or A is None:
        return dict(cofactorless=False, cofactored=False, strict=False)
    h = H(Rb, Ab, M) % L
    Rp = add(mul(S, B), neg(mul(h, A)))
    cl = enc(Rp) == Rb
    R = dec_lenient(Rb)
    cf = R is not None and mul(8, add(Rp, neg(R))) == O
    a_canon = (int.from_bytes(Ab, 'little') & ((1 << 255) - 1)) < p
    # libsodium's blacklist ignores the sign bit; all encodings whose y is that of a small-order point
    def small_y(b):
        y = int.from_bytes(b, 'little') & ((1 << 255) - 1)
        P = dec_lenient(b)
        return P is not None and small(P)
    strict = cl and a_canon and not small_y(Ab) and not small_y(Rb)
    return dict(cofactorless=cl, cofactored=cf, strict=strict)


def seed_scalar(label):
    return H(b'probity-extra-case', label.encode()) % L


# Torsion points
T8 = dec_lenient(bytes.fromhex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'))
assert order(T8) == 8
T2 = (0, p - 1)
T4 = (I, 0)
assert order(T2) == 2 and order(T4) == 4

cases = []


def emit(name, what, Ab, Rb, Sb, M):
    v = verdicts(Ab, Rb, Sb, M)
    cases.append(dict(name=name, tests=what, message=M.hex(), pub_key=Ab.hex(),
                      signature=(Rb + Sb).hex(), expected=v))


def find(label, fn, tries=400):
    """fn(M) -> (Ab, Rb, Sb) or None; iterate messages until fn succeeds."""
    for i in range(tries):
        M = hashlib.sha256(f'{label}/{i}'.encode()).digest()
        r = fn(M)
        if r: return (M,) + r
    raise RuntimeError(label)


def s_bytes(s): return (s % L).to_bytes(32, 'little')


# --- honest baseline
a = seed_scalar('a'); A = mul(a, B); Ab = enc(A)
r = seed_scalar('r')


def honest(M, Ab=Ab, a=a):
    Rb = enc(mul(r, B)); h = H(Rb, Ab, M) % L
    return Ab, Rb, s_bytes(r + h * a)


M = b'baseline message'
emit('honest', 'honest signature, full-order A and R', *honest(M), M)

# --- S >= L variants of the honest signature
Ab_, Rb_, Sb_ = honest(M)
S0 = int.from_bytes(Sb_, 'little')
emit('S_plus_L', 'honest signature with S+L (non-reduced scalar, same residue)', Ab_, Rb_, (S0 + L).to_bytes(32, 'little'), M)
emit('S_plus_8L', 'honest signature with S+8L (> 2^253: top bits of byte 63 set)', Ab_, Rb_, (S0 + 8 * L).to_bytes(32, 'little'), M)
emit('S_eq_L', 'honest A and R with S = L exactly (must be refused)', Ab_, Rb_, L.to_bytes(32, 'little'), M)

# --- small-order A (canonical), cofactorless-valid: need [h]A == O
for nm, Tp in (('A_order8', T8), ('A_order4', T4), ('A_order2', T2), ('A_identity', O)):
    TpB = enc(Tp)
    def f(M, TpB=TpB, Tp=Tp):
        Rb = enc(mul(r, B)); h = H(Rb, TpB, M) % L
        return (TpB, Rb, s_bytes(r)) if mul(h, Tp) == O else None
    M_, A_, R_, S_ = find(nm, f)
    emit(f'small_{nm}', f'canonical small-order A ({nm}), full-order R, cofactorless-valid', A_, R_, S_, M_)

# --- small-order R (canonical), full-order A: R = [s]B - [h]A with s = h*a  => R = O
Rb = enc(O)
def fR(M):
    h = H(Rb, Ab, M) % L
    return Ab, Rb, s_bytes(h * a)
M = b'small R identity'
emit('small_R_identity', 'full-order A, R = identity (0100..00), cofactorless-valid', *fR(M), M)

# R = order-8 point: A mixed = aB + T8, s = h*a, need R == -[h]T8 -> pick R then search
Amix = add(A, T8); Amixb = enc(Amix)
for k in range(1, 8):
    Rt = mul(k, T8); Rtb = enc(Rt)
    def fr8(M, Rt=Rt, Rtb=Rtb):
        h = H(Rtb, Amixb, M) % L
        return (Amixb, Rtb, s_bytes(h * a)) if add(Rt, mul(h, T8)) == O else None
    if order(Rt) in (4, 8):
        M_, A_, R_, S_ = find(f'smallR{k}', fr8)
        emit(f'small_R_order{order(Rt)}_k{k}', f'mixed A (aB+T8), R = {k}*T8 (order {order(Rt)}), cofactorless-valid', A_, R_, S_, M_)
        break

# --- mixed-order A (aB + T8), cofactorless-valid: R = rB + T', T' = -[h]T8
def fmix(M):
    for k in range(8):
        Rk = add(mul(r, B), mul(k, T8)); Rkb = enc(Rk)
        h = H(Rkb, Amixb, M) % L
        if add(mul(k, T8), mul(h, T8)) == O:
            return Amixb, Rkb, s_bytes(r + h * a)
    return None
M_, A_, R_, S_ = find('mixA', fmix)
emit('mixed_A_mixed_R_cofactorless_valid', 'A = aB+T8, R = rB+T\', satisfies cofactorless equation', A_, R_, S_, M_)

# mixed A, signature only cofactored-valid (R = rB, h*T8 != O)
def fmix2(M):
    Rb = enc(mul(r, B)); h = H(Rb, Amixb, M) % L
    return (Amixb, Rb, s_bytes(r + h * a)) if mul(h, T8) != O else None
M_, A_, R_, S_ = find('mixA2', fmix2)
emit('mixed_A_cofactored_only', 'A = aB+T8, R = rB, valid only under cofactored equation', A_, R_, S_, M_)

# mixed R, full A, only cofactored-valid
Rm = add(mul(r, B), T8); Rmb = enc(Rm)
M = b'mixed R only'
h = H(Rmb, Ab, M) % L
emit('mixed_R_cofactored_only', 'full A, R = rB+T8, S = r+ha: valid only under cofactored equation', Ab, Rmb, s_bytes(r + h * a), M)

# A with order-2 component, h even => both equations hold
A2 = add(A, T2); A2b = enc(A2)
def fa2(M):
    Rb = enc(mul(r, B)); h = H(Rb, A2b, M) % L
    return (A2b, Rb, s_bytes(r + h * a)) if h % 2 == 0 else None
M_, A_, R_, S_ = find('A2', fa2)
emit('mixed_A_order2_component', 'A = aB+T2 (mixed order), h even: valid in both equations', A_, R_, S_, M_)

# --- non-canonical A encodings (y >= p) : only small-order points have y < 19
for nm, yv, Pt in (('A_y_eq_p_(0,order4)', p, T4), ('A_y_eq_p_plus1_(identity)', p + 1, O)):
    for sign in (0, 1):
        Ab2 = (yv | (sign << 255)).to_bytes(32, 'little')
        P2 = dec_lenient(Ab2)
        if P2 is None: continue
        def fnc(M, Ab2=Ab2, P2=P2):
            Rb = enc(mul(r, B)); h = H(Rb, Ab2, M) % L
            return (Ab2, Rb, s_bytes(r)) if mul(h, P2) == O else None
        M_, A_, R_, S_ = find(f'{nm}{sign}', fnc)
        emit(f'noncanon_{nm}_sign{sign}', f'A encoded with y>=p ({nm}, sign bit {sign}); hash over the given bytes; cofactorless-valid', A_, R_, S_, M_)

# A = (0,1)/(0,-1) with sign bit 1 ("negative zero" x): non-canonical sign
for nm, Pt in (('identity', O), ('order2', T2)):
    Ab2 = bytearray(enc(Pt)); Ab2[31] |= 0x80; Ab2 = bytes(Ab2)
    def fz(M, Ab2=Ab2, Pt=Pt):
        Rb = enc(mul(r, B)); h = H(Rb, Ab2, M) % L
        return (Ab2, Rb, s_bytes(r)) if mul(h, Pt) == O else None
    M_, A_, R_, S_ = find(f'negzero{nm}', fz)
    emit(f'noncanon_A_negzero_{nm}', f'A = {nm} point with sign bit set though x = 0; cofactorless-valid', A_, R_, S_, M_)

# --- non-canonical R encodings: R = identity encoded as p+1 (y>=p), and with sign bit; also R=order4 as y=p
for nm, Rb2 in (('R_y_eq_p_plus1', (p + 1).to_bytes(32, 'little')),
                ('R_identity_negzero', bytes([1] + [0] * 30 + [0x80]))):
    M = f'noncanonical {nm}'.encode()
    h = H(Rb2, Ab, M) % L
    emit(f'noncanon_{nm}', f'full A, R = identity encoded non-canonically ({nm}), S = h*a (valid if R were re-encoded)', Ab, Rb2, s_bytes(h * a), M)

# R = order-4 point encoded with y = p, mixed A
Rt = T4
for Rb2 in ((p).to_bytes(32, 'little'), (p | (1 << 255)).to_bytes(32, 'little')):
    Rp = dec_lenient(Rb2)
    def fr4(M, Rb2=Rb2, Rp=Rp):
        h = H(Rb2, Amixb, M) % L
        return (Amixb, Rb2, s_bytes(h * a)) if add(Rp, mul(h, T8)) == O else None
    M_, A_, R_, S_ = find(f'R4nc{Rb2[31]}', fr4)
    emit(f'noncanon_R_y_eq_p_sign{Rb2[31] >> 7}', 'mixed A, R = order-4 point encoded with y = p (non-canonical); equation would hold for canonical R', A_, R_, S_, M_)

# --- A not on curve
y = 2
while dec_lenient(y.to_bytes(32, 'little')) is not None: y += 1
M = b'A not on curve'
bad = y.to_bytes(32, 'little')
emit('A_not_on_curve', f'A has y={y}, not the y of any curve point', bad, enc(mul(r, B)), s_bytes(r), M)

# --- y in [2,18]: is any valid? (informational)
valid_small_y = [yy for yy in range(0, 19) if dec_lenient(yy.to_bytes(32, 'little')) is not None]

import os
json.dump({'generator': 'make_extra_cases.py (this directory)', 'valid_y_below_19': valid_small_y, 'cases': cases},
          open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'extra_cases.json'), 'w'),
          indent=1)
for c in cases:
    print(f"{c['name']:45s} {c['expected']}")
print('y in [0,18] on the curve:', valid_small_y)
