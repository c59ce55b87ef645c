/**
 * @file fs.h  Umbrella header of the feature-server plugin API
 */
#ifndef FS_H
#define FS_H

#include <fs/fs_log.h>
#include <fs/fs_scope.h>
#include <fs/fs_req.h>
#include <fs/fs_schema.h>
#include <fs/fs_plugin.h>
#include <fs/fs_audio.h>
#include <fs/fs_call.h>
#include <fs/fs_task.h>
#include <fs/fs_prompt.h>
#include <fs/fs_leg.h>
#include <fs/fs_num.h>
#include <fs/fs_ws.h>
#include <fs/fs_resamp.h>
#include <fs/fs_tap.h>
#include <fs/fs_sip.h>

#endif
