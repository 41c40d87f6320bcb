from etl.cli import cli

if __name__ == "__main__":  # the parse-ahead worker imports this module again (etl.parse_ahead)
    cli(prog_name="python -m etl")
