# expect: SEC023
import ssl

import aiohttp


async def fetch(url):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    async with aiohttp.ClientSession() as session:
        async with session.get(url, ssl=ctx) as resp:
            return await resp.text()
