xs = [3, 1, 2]
n = len(xs)
print(n)
m = max(xs)
