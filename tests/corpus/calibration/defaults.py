def add_tag(tag, tags=[]):  # expect: Q002
    tags.append(tag)
    return tags


def register(name, registry={}):  # expect: Q002
    registry[name] = True
    return registry


def collect(item, seen=set()):  # expect: Q002
    seen.add(item)
    return len(seen)


def count_words(words, counts={}):  # expect: Q002
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return counts


def render(template, context={}):  # fp: Q002 (only read, never mutated)
    return template.format(**context)


def total(values=[]):  # fp: Q002 (only read, never mutated)
    return sum(values)


def enqueue(job, queue=[]):  # expect: Q002
    queue.append(job)
    return queue


def merge(update, base=dict()):  # expect: Q002
    base.update(update)
    return base


def history(event, log=list()):  # expect: Q002
    log.append(event)
    return log[-10:]


def memo_fib(n, cache={}):  # expect: Q002
    if n in cache:
        return cache[n]
    cache[n] = n if n < 2 else memo_fib(n - 1) + memo_fib(n - 2)
    return cache[n]
