/**
 * @file motion/motion.h
 * @brief libmotion, the Motion Store runtime: includes every public header.
 */
#ifndef MOTION_MOTION_H
#define MOTION_MOTION_H

#include "motion/common.h"
#include "motion/backend.h"
#include "motion/clip.h"
#include "motion/plan.h"
#include "motion/safety.h"
#include "motion/player.h"
#include "motion/loop.h"
#include "motion/record.h"

#endif
