# Package format (owner: issue 2's package engineer): scenario tests of mpk keygen/build/inspect/
# verify/export-csv, and the example packages (built by the build, packages/*.cmake).
ms_add_py_test(sdk/cli-package cli_package.py TIMEOUT 300)
ms_add_py_test(sdk/example-packages cli_package_examples.py)
