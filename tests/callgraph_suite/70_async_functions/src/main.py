import asyncio


async def fetch():
    await asyncio.sleep(0)


async def main():
    await fetch()


if __name__ == "__main__":
    asyncio.run(main())
