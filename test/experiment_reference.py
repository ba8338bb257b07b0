#!/usr/bin/env python3
"""Reference values for sql/experiment.sql (experiment_report, driver_report,
sample_size), computed independently of the C code: the data are rebuilt
here from the same integer formulas as in the test (every value is an exact
double, so the data are identical), the moments are exact rationals
(fractions.Fraction), and the distributions come from mpmath at 50 digits:

  normal tail      mpmath.erfc
  normal quantile  sqrt(2) * mpmath.erfinv(1 - alpha)
  Student t        mpmath.betainc(df/2, 1/2, 0, df/(df+t^2), regularized=True)
  chi-square (1)   mpmath.erfc(sqrt(x/2))
  Fisher exact     exact rational hypergeometric probabilities (math.comb),
                   two-sided: the tables with P <= P(observed) * (1 + 1e-7)

Run: python3 test/experiment_reference.py > /tmp/refs.sql, then paste the
VALUES into sql/experiment.sql.  Needs only python3 and mpmath (Debian
python3-mpmath).
"""
from fractions import Fraction as F
from math import comb
import mpmath as mp

mp.mp.dps = 50


def M(x):
    """a Fraction (or number) as a 50-digit mpf"""
    if isinstance(x, F):
        return mp.mpf(x.numerator) / x.denominator
    return mp.mpf(x)


def zcrit(alpha):
    return mp.sqrt(2) * mp.erfinv(1 - mp.mpf(alpha))


def welch(m1, v1, n1, m0, v0, n0):
    s1, s0 = v1 / n1, v0 / n0
    se2 = s1 + s0
    if se2 == 0:
        return None
    t = M(m1 - m0) / mp.sqrt(M(se2))
    df = M(se2 * se2) / M(s1 * s1 / (n1 - 1) + s0 * s0 / (n0 - 1))
    return mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + t * t), regularized=True)


def mean(xs):
    return sum(xs, F(0)) / len(xs)


def var(xs):
    m = mean(xs)
    return sum(((x - m) ** 2 for x in xs), F(0)) / (len(xs) - 1)


def cov(xs, ys):
    mx, my = mean(xs), mean(ys)
    return sum(((x - mx) * (y - my) for x, y in zip(xs, ys)), F(0)) / (len(xs) - 1)


def report(arms, control, alpha=0.05, has_value=True, has_pre=True):
    """arms: name -> list of (converted, value, pre); returns name -> dict"""
    out = {}
    c = arms[control]
    nc, cc = len(c), sum(1 for u in c if u[0])
    rc = F(cc, nc)
    z = zcrit(alpha)
    for name, units in arms.items():
        n, k = len(units), sum(1 for u in units if u[0])
        r = F(k, n)
        row = dict(rate=r)
        vals = [F(u[1]) for u in units]
        pres = [F(u[2]) for u in units]
        if has_value:
            row['mean_value'] = mean(vals)
        if name != control:
            row['lift'] = r / rc - 1 if rc > 0 else None
            stats = n >= 2 and nc >= 2
            diff = r - rc
            if stats:
                se_u = mp.sqrt(M(r * (1 - r) / n + rc * (1 - rc) / nc))
                row['diff_ci_low'] = M(diff) - z * se_u
                row['diff_ci_high'] = M(diff) + z * se_u
                pp = F(k + cc, n + nc)
                vp = pp * (1 - pp) * (F(1, n) + F(1, nc))
                if vp > 0:
                    zz = M(diff) / mp.sqrt(M(vp))
                    row['z'] = zz
                    row['p_value'] = mp.erfc(abs(zz) / mp.sqrt(2))
            if has_value:
                cv = [F(u[1]) for u in c]
                cp = [F(u[2]) for u in c]
                row['value_diff'] = mean(vals) - mean(cv)
                if stats:
                    row['value_p_value'] = welch(mean(vals), var(vals), n, mean(cv), var(cv), nc)
                    if has_pre:
                        pv, ppre = vals + cv, pres + cp
                        if var(ppre) > 0:
                            theta = cov(pv, ppre) / var(ppre)
                            pbar = mean(ppre)
                            a1 = [v - theta * (p - pbar) for v, p in zip(vals, pres)]
                            a0 = [v - theta * (p - pbar) for v, p in zip(cv, cp)]
                            row['cuped_value_diff'] = mean(a1) - mean(a0)
                            row['cuped_value_p_value'] = welch(mean(a1), var(a1), n, mean(a0), var(a0), nc)
        out[name] = row
    return out


def report_from_sums(arms, control, alpha=0.05):
    """arms: name -> (n, conversions, sum of value, sum of value^2), exact
    integers: the same figures as report() for an experiment given by its
    text form (no pre_value)"""
    z = zcrit(alpha)
    nc, cc, sc, ssc = arms[control]
    rc = F(cc, nc)
    mc = F(sc, nc)
    vc = (F(ssc) - F(sc) ** 2 / nc) / (nc - 1)
    out = {}
    for name, (n, k, sv, ssv) in arms.items():
        r = F(k, n)
        m = F(sv, n)
        row = dict(rate=r, mean_value=m)
        if name != control:
            row['lift'] = r / rc - 1 if rc > 0 else None
            diff = r - rc
            se_u = mp.sqrt(M(r * (1 - r) / n + rc * (1 - rc) / nc))
            row['diff_ci_low'] = M(diff) - z * se_u
            row['diff_ci_high'] = M(diff) + z * se_u
            pp = F(k + cc, n + nc)
            zz = M(diff) / mp.sqrt(M(pp * (1 - pp) * (F(1, n) + F(1, nc))))
            row['z'] = zz
            row['p_value'] = mp.erfc(abs(zz) / mp.sqrt(2))
            row['value_diff'] = m - mc
            v = (F(ssv) - F(sv) ** 2 / n) / (n - 1)
            row['value_p_value'] = welch(m, v, n, mc, vc, nc)
        out[name] = row
    return out


COLS = ['rate', 'lift', 'diff_ci_low', 'diff_ci_high', 'z', 'p_value', 'mean_value',
        'value_diff', 'value_p_value', 'cuped_value_diff', 'cuped_value_p_value']


def lit(x):
    """a reference as an SQL literal, 20 significant digits"""
    if x is None:
        return 'NULL'
    return mp.nstr(M(x), 20, strip_zeros=False)


def emit_report(case, rep, control):
    for name, row in rep.items():
        for col in COLS:
            if name == control and col not in ('rate', 'mean_value'):
                v = None
            else:
                v = row.get(col)
            if col == 'mean_value' and 'mean_value' not in row:
                v = None
            print(f"  ('{case}', '{name}', '{col}', {lit(v)}),")


def main_data():
    bump = {'control': F(0), 'new_copy': F(25, 4), 'short_copy': F(-3, 2)}
    thr = {'control': 10, 'new_copy': 15, 'short_copy': 9}
    arms = {'control': [], 'new_copy': [], 'short_copy': []}
    for i in range(1, 1201):
        v = ['control', 'new_copy', 'short_copy'][i % 3]
        conv = (i * 7919) % 100 < thr[v]
        pre = F((i * 15485863) % 800, 4)
        val = F(3, 4) * pre + F((i * 104729) % 1000, 8) + bump[v]
        arms[v].append((conv, val, pre))
    return arms


def bigmean_data():
    arms = {'a': [], 'b': []}
    for i in range(1, 101):
        v = 'a' if i % 2 else 'b'
        val = F(10 ** 9) + F((i * 7919) % 1000, 1024) + (F(1, 64) if v == 'b' else 0)
        arms[v].append(((i * 31) % 7 == 0, val, F(0)))
    return arms


def fisher(a, b, c, d):
    r1, r2, k = a + b, c + d, a + c
    n = r1 + r2
    lo, hi = max(0, k - r2), min(r1, k)
    probs = {x: F(comb(r1, x) * comb(r2, k - x), comb(n, k)) for x in range(lo, hi + 1)}
    obs = probs[a]
    return sum((p for p in probs.values() if p <= obs * (1 + F(1, 10 ** 7))), F(0))


def drivers_row(a, b, c, d, alpha=0.05):
    z = zcrit(alpha)
    h = F(1, 2) if 0 in (a, b, c, d) else F(0)
    fa, fb, fc, fd = a + h, b + h, c + h, d + h
    orr = fa * fd / (fb * fc)
    se = mp.sqrt(M(1 / fa + 1 / fb + 1 / fc + 1 / fd))
    lor = mp.log(M(orr))
    r1, r2, c1, c2 = a + b, c + d, a + c, b + d
    n = r1 + r2
    phi = p = None
    if c1 > 0 and c2 > 0:
        phi = M(a * d - b * c) / mp.sqrt(M(r1 * r2 * c1 * c2))
        emin = min(F(r1 * c1, n), F(r1 * c2, n), F(r2 * c1, n), F(r2 * c2, n))
        if emin >= 5:
            chi2 = F(n * (a * d - b * c) ** 2, r1 * r2 * c1 * c2)
            p = mp.erfc(mp.sqrt(M(chi2) / 2))
        else:
            p = fisher(a, b, c, d)
    else:
        p = F(1)
    return dict(odds_ratio=orr, odds_ratio_ci_low=mp.exp(lor - z * se),
                odds_ratio_ci_high=mp.exp(lor + z * se), phi=phi, p_value=p)


def driver_features():
    """the customers of the driver test: (converted, set of features)"""
    rows = []
    for i in range(1, 2001):
        conv = (i * 7919) % 100 < (30 if i % 5 == 0 else 12)
        feats = set()
        if i % 5 == 0:
            feats.add('opened_welcome')
        if i % 7 == 0:
            feats.add('plan:pro')
        if i % 400 == 0:
            feats.add('rare')
        if i % 97 == 0 and not conv:
            feats.add('never_converts')
        feats.add('everyone')
        rows.append((conv, feats))
    return rows


if __name__ == '__main__':
    print('-- experiment_report references')
    emit_report('main', report(main_data(), 'control'), 'control')
    emit_report('main_alpha_0.1', {k: v for k, v in report(main_data(), 'control', 0.1).items()}, 'control')
    emit_report('bigmean', report(bigmean_data(), 'a', has_pre=False), 'a')
    # a test with 5e7 units per arm (Welch df near 1e8), given by its sums
    n = 50000000
    emit_report('bigdf', report_from_sums({'a': (n, 5000000, 0, n), 'b': (n, 5010000, 30000, n + 18)}, 'a'), 'a')
    print('-- driver_report references')
    rows = driver_features()
    feats = sorted(set().union(*(f for _, f in rows)))
    N, C = len(rows), sum(1 for c, _ in rows if c)
    for f in feats:
        w = [c for c, fs in rows if f in fs]
        a = sum(w)
        b = len(w) - a
        c = C - a
        d = N - len(w) - c
        if N - len(w) == 0:
            vals = dict(odds_ratio=None, odds_ratio_ci_low=None, odds_ratio_ci_high=None, phi=None, p_value=None)
        else:
            vals = drivers_row(a, b, c, d)
        for k, v in vals.items():
            print(f"  ('{f}', '{k}', {lit(v)}),")
    print('-- Fisher: tea tasting (Fisher 1935), [[3,1],[1,3]]: 17/35 =', lit(fisher(3, 1, 1, 3)))
    print('-- Fisher [[1,9],[11,3]] (scipy docs example family) =', lit(fisher(1, 9, 11, 3)))
    print('-- Fisher [[0,5],[5,0]] =', lit(fisher(0, 5, 5, 0)), '; [[2,30],[15,400]] =', lit(fisher(2, 30, 15, 400)))
    print('-- sample_size(0.1, 0.1) etc.')
    for b, l, al, pw in [(0.1, 0.1, 0.05, 0.8), (0.05, 0.2, 0.01, 0.9), (0.3, -0.1, 0.05, 0.8), (0.02, 0.5, 0.1, 0.5)]:
        p1 = mp.mpf(b)
        p2 = p1 + p1 * mp.mpf(l)
        pbar = (p1 + p2) / 2
        za = zcrit(al)
        zb = mp.sqrt(2) * mp.erfinv(2 * mp.mpf(pw) - 1)
        nn = (za * mp.sqrt(2 * pbar * (1 - pbar)) + zb * mp.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
        print(f'--   sample_size({b}, {l}, {al}, {pw}) = ceil({mp.nstr(nn, 20)}) = {int(mp.ceil(nn))}')
