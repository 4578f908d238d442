def by_len(s):
    return len(s)

def keep(s):
    return bool(s)

words = sorted(["bb", "a"], key=by_len)
kept = filter(keep, words)
