/* SPDX-License-Identifier: MIT */
/**
 * What a pass is about: its scope (an event pass: the dirty domains only)
 * and the domains that came back in it. (engine_scope.c)
 */
#ifndef VR_ENGINE_SCOPE_H
#define VR_ENGINE_SCOPE_H

#include "engine/engine_private.h"

/** True when pass is a full pass or uuid is in its scope. */
bool vr_pass_in_scope(const vr_pass *pass, const char *uuid);

/** An event pass's view of resctrl: our groups of domains
 * outside its scope are dropped from pass->state (so that reconcile
 * neither removes nor keeps them); foreign groups and task places stay. */
void vr_engine_scope_state(const vr_engine *e, vr_pass *pass);

/** Domain id appeared in this pass's recheck. */
bool vr_engine_domain_came_back(const vr_engine *e, vr_mon_resource resource,
                                unsigned id);

/**
 * Scopes an event pass to its dirty domains (shallow copies of those still
 * running, each once); false, and the pass stays a full one, unless the
 * current live set reads through the handle this pass uses (the groups it
 * carries over are shared with that set, engine_live.c).
 */
bool vr_engine_scope_pass(vr_engine *e, vr_pass *pass,
                          char dirty[][VR_UUID_STRING_LEN + 1], size_t n_dirty);

#endif /* VR_ENGINE_SCOPE_H */
