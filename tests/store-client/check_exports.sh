#!/bin/sh
# usage: check_exports.sh LIBRARY PREFIX
# Fails if the shared library exports a symbol that does not start with PREFIX (curl's test 1167
# does the same for libcurl): internal helpers must stay hidden.
lib=$1 prefix=$2
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v "^$prefix" | grep -v '^_' )
if [ -n "$bad" ]; then
    echo "$lib exports symbols without the $prefix prefix:"
    echo "$bad"
    exit 1
fi
count=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -c "^$prefix")
echo "$lib: $count exported symbols, all $prefix*"
