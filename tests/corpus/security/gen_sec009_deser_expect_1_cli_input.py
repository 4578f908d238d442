# expect: SEC009
"""Restore saved state (cli input)."""
import yaml

config = input("cfg: ").strip()
settings = yaml.load(config, Loader=yaml.Loader)
print(settings)
