from etl.cli import cli

if __name__ == "__main__":  # importing it (tools, multiprocessing) must not run the CLI
    cli(prog_name="python -m etl")
