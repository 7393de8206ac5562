/**
 * @file mstore/mstore.h
 * @brief libmstore, the Motion Store client library: includes every public header.
 */
#ifndef MSTORE_MSTORE_H
#define MSTORE_MSTORE_H

#include "mstore/common.h"
#include "mstore/file.h"
#include "mstore/canonjson.h"
#include "mstore/hash.h"
#include "mstore/key.h"
#include "mstore/metadata.h"
#include "mstore/download.h"
#include "mstore/updater.h"
#include "mstore/install.h"

#endif
