# One line per libFuzzer harness: ms_add_fuzzer(NAME LIBRARIES...) builds tests/fuzz/fuzz_NAME.c
# with the seed corpus tests/fuzz/corpus/NAME/.
ms_add_fuzzer(urdf robotgen_urdf)
ms_add_fuzzer(manifest mpk_static)
ms_add_fuzzer(track mpk_static)
ms_add_fuzzer(package mpk_static)
ms_add_fuzzer(store_server_http store_server_objects)
ms_add_fuzzer(canonjson mstore_static)
ms_add_fuzzer(tuf_root mstore_static)
ms_add_fuzzer(tuf_timestamp mstore_static)
ms_add_fuzzer(tuf_snapshot mstore_static)
ms_add_fuzzer(tuf_targets mstore_static)
ms_add_fuzzer(record motion_static)
