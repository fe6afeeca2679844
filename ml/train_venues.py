"""SageMaker script-mode entry point of the venues model (see ml.script_mode)."""

from ml.script_mode import run

if __name__ == "__main__":
    run("venues")
