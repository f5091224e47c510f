#!/usr/bin/env python
from ontong.__main__ import main

if __name__ == "__main__":
    main()
