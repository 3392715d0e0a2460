"""Loads trust scores with DLT (the pre-migration loader)."""


def run():
    return "trust pipeline loaded"


if __name__ == "__main__":
    print(run())
