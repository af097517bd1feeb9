/**
 * The seam between Timescape orchestration (which versions live, with what weight and
 * in which phase) and the workload builders (what Kubernetes objects run one version).
 * Orchestration decides a VersionWorkload per live version; builders turn each into
 * children without knowing why.
 */
export interface VersionWorkload {
  /** The version identifier as users write it (also the pin header value). */
  versionId: string;
  /** Container image this version runs. */
  image: string;
  /** Replicas when no autoscaler owns the Deployment. */
  replicas: number;
  /**
   * `serve`: Deployment + Service + autoscaler (if configured) + PDB.
   * `retire`: traffic is gone (Decommissioned): Deployment at 0 replicas, Service kept,
   *           no autoscaler, no PDB — so nothing fights the scale-down.
   */
  state: 'serve' | 'retire';
}
