from pkg.sub.a import run

run()
