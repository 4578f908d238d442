def double(x):
    return x * 2

def main():
    return list(map(double, [1, 2]))

main()
