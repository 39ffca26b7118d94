// The chart's switch for active-active sharding (sharding.enabled) renders what the kustomize overlay
// deploy/overlays/sharding adds to the base (--sharding=true, 3 replicas, a Role with list and
// delete on Leases and its binding), the controller accepts the rendered flags, and without the
// switch none of it is there. Offline: `helm template` and `kubectl kustomize`, no control plane.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import {
  byKey, CHART, find, Helm, keyOf, kustomize, renderToolsMissing, withoutHelmAdditions,
  type DeploymentObject, type K8sObject, type RoleBindingObject, type RoleObject,
} from '../support/manifests.ts';

const NS = 'kscale-system';
const SHARDING = ['--set', 'sharding.enabled=true'];

// Without the built binaries the suite is skipped with the reason, except in CI
// (KSCALE_REQUIRE_CONTROL_PLANE=1, which builds them first): there it runs and fails loudly.
const missing = renderToolsMissing();
const suite = missing === undefined || process.env.KSCALE_REQUIRE_CONTROL_PLANE === '1' ? {} : { skip: `${missing}; set KSCALE_REQUIRE_CONTROL_PLANE=1 to make this a failure` };

const args = (objs: K8sObject[]): string[] => find<DeploymentObject>(objs, 'Deployment').spec.template.spec.containers[0]?.args ?? [];
/** Roles granting anything on Leases beyond leader election's get, create and update. */
const shardingLeaseRoles = (objs: K8sObject[]): string[] => objs
  .filter((o): o is RoleObject => o.kind === 'Role' || o.kind === 'ClusterRole')
  .filter((r) => r.rules.some((rule) => rule.resources?.includes('leases') && rule.verbs.some((v) => !['get', 'create', 'update'].includes(v))))
  .map(keyOf);

describe('Helm chart: sharding.enabled renders deploy/overlays/sharding', suite, () => {
  let helm: Helm;
  let base: K8sObject[];
  let overlay: K8sObject[];
  let sharded: K8sObject[];
  let plain: K8sObject[];

  before(async () => {
    helm = await Helm.open();
    [base, overlay, sharded, plain] = await Promise.all([
      kustomize('deploy/base'), kustomize('deploy/overlays/sharding'), helm.template(SHARDING, 'kscale', NS), helm.template([], 'kscale', NS),
    ]);
  });
  after(async () => { await helm.close(); });

  test('the overlay changes the base in exactly these places: the Deployment (3 replicas, run --sharding=true) and a sharding Role and RoleBinding', () => {
    const b = byKey(base);
    const changed = overlay.filter((o) => JSON.stringify(b.get(keyOf(o))) !== JSON.stringify(o)).map(keyOf);
    assert.deepEqual(changed.sort(), [
      `apps/v1 Deployment ${NS}/kscale-controller`,
      `rbac.authorization.k8s.io/v1 Role ${NS}/kscale-sharding`,
      `rbac.authorization.k8s.io/v1 RoleBinding ${NS}/kscale-sharding`,
    ]);
    assert.equal(overlay.length, base.length + 2, 'the overlay removes nothing');
    const dep = find<DeploymentObject>(overlay, 'Deployment');
    assert.equal(dep.spec.replicas, 3);
    assert.deepEqual(args(overlay), ['run', '--sharding=true']);
    // With the Deployment's replicas and args put back, it is the base's.
    const restored = structuredClone(dep);
    restored.spec.replicas = find<DeploymentObject>(base, 'Deployment').spec.replicas;
    const c = restored.spec.template.spec.containers[0];
    assert.ok(c);
    c.args = args(base);
    assert.deepEqual(restored, find(base, 'Deployment'));
  });

  test('helm template --set sharding.enabled=true renders exactly the overlay\'s objects, bar the Namespace and Helm labels', () => {
    const k = byKey(overlay);
    const h = byKey(sharded);
    assert.deepEqual([...k.keys()].filter((key) => !h.has(key)), [`v1 Namespace -/${NS}`]);
    assert.deepEqual([...h.keys()].filter((key) => !k.has(key)), []);
    for (const [key, ko] of k) {
      const ho = h.get(key);
      if (ho) assert.deepEqual(withoutHelmAdditions(ho), ko, key);
    }
    // The sharding-relevant parts, spelled out (the loop above already compared them whole).
    assert.deepEqual(args(sharded), ['run', '--sharding=true']);
    assert.equal(find<DeploymentObject>(sharded, 'Deployment').spec.replicas, 3);
    assert.deepEqual(find<RoleObject>(sharded, 'Role', 'kscale-sharding').rules, [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list', 'delete'] }]);
    const binding = find<RoleBindingObject>(sharded, 'RoleBinding', 'kscale-sharding');
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kscale-sharding' });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'kscale-controller', namespace: NS }]);
    // Member Leases need leader election's get, create and update as well: that Role stays.
    assert.deepEqual(find<RoleObject>(sharded, 'Role', 'kscale-leader-election').rules[0]?.verbs, ['get', 'create', 'update']);
  });

  test('the rendered flags start a sharded controller with Leases on (kscale run accepts them)', () => {
    const config = parseConfig(args(sharded).slice(1), { POD_NAMESPACE: NS, KSCALE_IDENTITY: 'kscale-controller-abc-1' });
    assert.equal(config.sharding, true);
    assert.equal(config.leaderElect, true);
    assert.equal(config.leaderElectionId, 'kscale-controller');
  });

  test('another release and namespace: the Role and binding follow the chart\'s names, and --leader-election-id names the group', async () => {
    const objs = await helm.template([...SHARDING, '--set', 'serviceAccount.name=team-sa'], 'team-a', 'ops');
    const role = find<RoleObject>(objs, 'Role', 'team-a-kscale-sharding');
    assert.equal(role.metadata.namespace, 'ops');
    assert.deepEqual(role.rules, find<RoleObject>(overlay, 'Role', 'kscale-sharding').rules);
    const binding = find<RoleBindingObject>(objs, 'RoleBinding', 'team-a-kscale-sharding');
    assert.equal(binding.metadata.namespace, 'ops');
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'team-a-kscale-sharding' });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'team-sa', namespace: 'ops' }]);
    assert.deepEqual(args(objs), ['run', '--sharding=true', '--leader-election-id=team-a-kscale-controller']);
    const config = parseConfig(args(objs).slice(1), {});
    assert.equal(config.sharding, true);
    assert.equal(config.leaderElectionId, 'team-a-kscale-controller');
  });

  test('default values (and sharding.enabled=false) render neither --sharding nor the sharding Role: 2 replicas, one leader', async () => {
    for (const objs of [plain, await helm.template(['--set', 'sharding.enabled=false'], 'kscale', NS)]) {
      assert.deepEqual(args(objs), ['run', '--leader-elect=true']);
      assert.equal(find<DeploymentObject>(objs, 'Deployment').spec.replicas, 2);
      assert.deepEqual(objs.filter((o) => o.metadata.name.endsWith('-sharding')).map(keyOf), []);
      assert.deepEqual(shardingLeaseRoles(objs), []);
    }
    // The check above finds the sharding Role when it is there.
    assert.deepEqual(shardingLeaseRoles(sharded), [`rbac.authorization.k8s.io/v1 Role ${NS}/kscale-sharding`]);
    assert.equal(parseConfig(args(plain).slice(1), {}).sharding, false);
  });

  test('replicaCount, when set, wins over the sharding default of 3; rbac.create=false drops the Role but keeps the flag', async () => {
    const five = await helm.template([...SHARDING, '--set', 'replicaCount=5'], 'kscale', NS);
    assert.equal(find<DeploymentObject>(five, 'Deployment').spec.replicas, 5);
    const noRbac = await helm.template([...SHARDING, '--set', 'rbac.create=false'], 'kscale', NS);
    assert.deepEqual(args(noRbac), ['run', '--sharding=true']);
    assert.deepEqual(noRbac.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding').map(keyOf), []);
  });

  test('sharding with leaderElection.enabled=false is refused, as kscale run refuses --sharding=true --leader-elect=false', async () => {
    await assert.rejects(helm.template([...SHARDING, '--set', 'leaderElection.enabled=false'], 'kscale', NS),
      /sharding\.enabled=true needs leaderElection\.enabled=true/);
    await assert.rejects(helm.template([...SHARDING, '--set', 'leaderElection.enabled=false', '--set', 'replicaCount=1'], 'kscale', NS),
      /sharding\.enabled=true needs leaderElection\.enabled=true/);
  });

  test('the values schema rejects a mistyped or unknown sharding value, naming the field; helm lint --strict passes with sharding on', async () => {
    await assert.rejects(helm.template(['--set', 'sharding.enabled=yes'], 'kscale', NS), /\/sharding\/enabled': got string, want boolean/);
    await assert.rejects(helm.template(['--set', 'sharding.replicas=3'], 'kscale', NS), /\/sharding': additional properties 'replicas' not allowed/);
    await assert.rejects(helm.template(['--set', 'replicaCount=three'], 'kscale', NS), /\/replicaCount': got string, want/);
    assert.match(await helm.run(['lint', '--strict', CHART, ...SHARDING]), /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });
});
