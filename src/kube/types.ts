/**
 * The upstream types of every child kind the builders emit (types only: nothing here is
 * loaded at run time). Builders return these, so the compiler checks every field name and
 * shape against the Kubernetes, Gateway API and KEDA models.
 */
export type { IDeployment as Deployment } from 'kubernetes-models/apps/v1/Deployment';
export type { IService as Service } from 'kubernetes-models/v1/Service';
export type { IHorizontalPodAutoscaler as HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
export type { IPodDisruptionBudget as PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
export type { INetworkPolicy as NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
export type { IScaledObject as ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
export type { IHTTPRoute as HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
export type { IPodTemplateSpec as PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
export type { IContainer as Container } from 'kubernetes-models/v1/Container';
export type { IEnvVar as EnvVarModel } from 'kubernetes-models/v1/EnvVar';
export type { ISecurityContext as ContainerSecurityContext } from 'kubernetes-models/v1/SecurityContext';
export type { IPodSecurityContext as PodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
export type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMetaModel } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
