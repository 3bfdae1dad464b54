/* SPDX-License-Identifier: MIT */
/**
 * What a pass is about: an event pass is scoped to its dirty domains
 * (doc/design.md, "Data flow"), and a domain may have come back in this
 * pass. Queries the other steps ask; this file calls none of them. See
 * engine_scope.h.
 */
#include "engine/engine_scope.h"
#include "resctrl/resctrl_name.h"

#include <stdlib.h>
#include <string.h>

bool vr_pass_in_scope(const vr_pass *pass, const char *uuid) {
  if (!pass->scope)
    return true;
  for (size_t i = 0; i < pass->n_scope; i++)
    if (strcmp(pass->scope[i], uuid) == 0)
      return true;
  return false;
}

void vr_engine_scope_state(const vr_engine *e, vr_pass *pass) {
  vr_resctrl_state *s = &pass->state;
  char uuid[VR_UUID_STRING_LEN + 1];
  size_t kept = 0;
  if (!pass->scope)
    return;
  for (size_t g = 0; g < s->n_mon_groups; g++) {
    vr_mon_group_state *m = &s->mon_groups[g];
    if (vr_owned_name_parse(e->cfg->group_prefix, m->name, uuid, NULL) &&
        !vr_pass_in_scope(pass, uuid)) {
      free(m->tids);
      continue;
    }
    s->mon_groups[kept++] = *m;
  }
  s->n_mon_groups = kept;
}

/*
 * Scopes an event pass to its dirty domains: shallow copies of those still
 * running (a domain named twice counts once: reconcile would call its
 * groups "listed twice"). A domain that is gone stays in the scope, so its
 * groups are removed. A pass can be scoped only while the current live set
 * reads through the handle this pass uses: the groups it carries over are
 * shared with that set (engine_live.c), which a remount or a change of the
 * monitoring domains rules out; then the pass is a full one.
 */
bool vr_engine_scope_pass(vr_engine *e, vr_pass *pass,
                          char dirty[][VR_UUID_STRING_LEN + 1],
                          size_t n_dirty) {
  const vr_live_set *current = e->live.current;
  if (!current || current->root != e->resctrl || n_dirty == 0)
    return false;
  vr_domain_list *view = &pass->scope_domains;
  view->domains = calloc(n_dirty, sizeof(*view->domains));
  if (!view->domains)
    return false;
  for (size_t i = 0; i < n_dirty; i++) {
    bool twice = false;
    for (size_t k = 0; k < view->count && !twice; k++)
      twice = strcmp(view->domains[k].uuid, dirty[i]) == 0;
    for (size_t k = 0; k < e->domains.count && !twice; k++)
      if (strcmp(e->domains.domains[k].uuid, dirty[i]) == 0) {
        view->domains[view->count++] = e->domains.domains[k];
        break;
      }
  }
  pass->scope = dirty;
  pass->n_scope = n_dirty;
  return true;
}

bool vr_engine_domain_came_back(const vr_engine *e, vr_mon_resource resource,
                                unsigned id) {
  for (size_t i = 0; i < e->n_back; i++)
    if (e->back[i].resource == resource && e->back[i].id == id)
      return true;
  return false;
}
