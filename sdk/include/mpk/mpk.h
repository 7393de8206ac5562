/**
 * @file mpk/mpk.h
 * @brief libmpk, the Motion Store SDK: includes every public header.
 */
#ifndef MPK_MPK_H
#define MPK_MPK_H

#include "mpk/common.h"
#include "mpk/robot.h"
#include "mpk/track.h"
#include "mpk/manifest.h"
#include "mpk/key.h"
#include "mpk/package.h"
#include "mpk/project.h"
#include "mpk/keyframes.h"
#include "mpk/import.h"
#include "mpk/validate.h"
#include "mpk/retime.h"
#include "mpk/upload.h"
#include "mpk/file.h"

#endif
