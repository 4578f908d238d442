def main(items):
    print(len(items))
    ordered = sorted(items)
    return ordered
