# safe: SEC024
import click


@click.command()
@click.option("--password", prompt=True, hide_input=True)
def login(password):
    click.echo("logging in" if password else "no password")
