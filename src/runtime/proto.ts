/**
 * The few containerd and CRI services and messages this project calls, with
 * the field numbers of their public APIs (containerd api/services/*, the
 * Kubernetes CRI runtime.v1 api.proto). Unknown fields are skipped on decode,
 * so only what is read is declared. One `package` a part: protobufjs parses
 * each part into one root (see ./grpc).
 */
export const RUNTIME_PROTO = `
package google.protobuf;
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message Any { string type_url = 1; bytes value = 2; }

package containerd.services.version.v1;
message Empty {}
message VersionResponse { string version = 1; string revision = 2; }
service Version { rpc Version(Empty) returns (VersionResponse); }

package containerd.services.namespaces.v1;
message Namespace { string name = 1; map<string, string> labels = 2; }
message ListNamespacesRequest { string filter = 1; }
message ListNamespacesResponse { repeated Namespace namespaces = 1; }
service Namespaces { rpc List(ListNamespacesRequest) returns (ListNamespacesResponse); }

package containerd.services.containers.v1;
message Container {
  string id = 1;
  map<string, string> labels = 2;
  string image = 3;
  google.protobuf.Timestamp created_at = 8;
}
message GetContainerRequest { string id = 1; }
message GetContainerResponse { Container container = 1; }
message ListContainersRequest { repeated string filters = 1; }
message ListContainersResponse { repeated Container containers = 1; }
service Containers {
  rpc Get(GetContainerRequest) returns (GetContainerResponse);
  rpc List(ListContainersRequest) returns (ListContainersResponse);
}

package containerd.v1.types;
message Process {
  string container_id = 1;
  string id = 2;
  uint32 pid = 3;
  int32 status = 4;
  uint32 exit_status = 9;
}

package containerd.services.tasks.v1;
message ListTasksRequest { string filter = 1; }
message ListTasksResponse { repeated containerd.v1.types.Process tasks = 1; }
service Tasks { rpc List(ListTasksRequest) returns (ListTasksResponse); }

package runtime.v1;
message VersionRequest { string version = 1; }
message VersionResponse { string version = 1; string runtime_name = 2; string runtime_version = 3; string runtime_api_version = 4; }
message PodSandboxMetadata { string name = 1; string uid = 2; string namespace = 3; uint32 attempt = 4; }
message PodSandboxFilter { string id = 1; map<string, string> label_selector = 3; }
message PodSandbox {
  string id = 1;
  PodSandboxMetadata metadata = 2;
  int32 state = 3;
  int64 created_at = 4;
  map<string, string> labels = 5;
  map<string, string> annotations = 6;
}
message ListPodSandboxRequest { PodSandboxFilter filter = 1; }
message ListPodSandboxResponse { repeated PodSandbox items = 1; }
message ContainerMetadata { string name = 1; uint32 attempt = 2; }
message ImageSpec { string image = 1; map<string, string> annotations = 2; }
message ContainerFilter { string id = 1; string pod_sandbox_id = 3; map<string, string> label_selector = 4; }
message Container {
  string id = 1;
  string pod_sandbox_id = 2;
  ContainerMetadata metadata = 3;
  ImageSpec image = 4;
  string image_ref = 5;
  int32 state = 6;
  int64 created_at = 7;
  map<string, string> labels = 8;
  map<string, string> annotations = 9;
}
message ListContainersRequest { ContainerFilter filter = 1; }
message ListContainersResponse { repeated Container containers = 1; }
message ContainerStatusRequest { string container_id = 1; bool verbose = 2; }
message Mount { string container_path = 1; string host_path = 2; bool readonly = 3; }
message ContainerStatus { string id = 1; ContainerMetadata metadata = 2; int32 state = 3; repeated Mount mounts = 14; }
message ContainerStatusResponse { ContainerStatus status = 1; map<string, string> info = 2; }

message NamespaceOption { int32 network = 1; int32 pid = 2; int32 ipc = 3; string target_id = 4; }
message LinuxSandboxSecurityContext { NamespaceOption namespace_options = 1; }
message LinuxPodSandboxConfig { string cgroup_parent = 1; LinuxSandboxSecurityContext security_context = 2; }
message PodSandboxConfig {
  PodSandboxMetadata metadata = 1;
  string hostname = 2;
  string log_directory = 3;
  map<string, string> labels = 6;
  map<string, string> annotations = 7;
  LinuxPodSandboxConfig linux = 8;
}
message RunPodSandboxRequest { PodSandboxConfig config = 1; string runtime_handler = 2; }
message RunPodSandboxResponse { string pod_sandbox_id = 1; }
message StopPodSandboxRequest { string pod_sandbox_id = 1; }
message RemovePodSandboxRequest { string pod_sandbox_id = 1; }
message Empty {}
message LinuxContainerSecurityContext { NamespaceOption namespace_options = 3; }
message LinuxContainerConfig { LinuxContainerSecurityContext security_context = 2; }
message ContainerConfig {
  ContainerMetadata metadata = 1;
  ImageSpec image = 2;
  repeated string command = 3;
  repeated string args = 4;
  map<string, string> labels = 9;
  map<string, string> annotations = 10;
  string log_path = 11;
  LinuxContainerConfig linux = 15;
}
message CreateContainerRequest { string pod_sandbox_id = 1; ContainerConfig config = 2; PodSandboxConfig sandbox_config = 3; }
message CreateContainerResponse { string container_id = 1; }
message StartContainerRequest { string container_id = 1; }
message StopContainerRequest { string container_id = 1; int64 timeout = 2; }
message RemoveContainerRequest { string container_id = 1; }
service RuntimeService {
  rpc Version(VersionRequest) returns (VersionResponse);
  rpc RunPodSandbox(RunPodSandboxRequest) returns (RunPodSandboxResponse);
  rpc StopPodSandbox(StopPodSandboxRequest) returns (Empty);
  rpc RemovePodSandbox(RemovePodSandboxRequest) returns (Empty);
  rpc ListPodSandbox(ListPodSandboxRequest) returns (ListPodSandboxResponse);
  rpc CreateContainer(CreateContainerRequest) returns (CreateContainerResponse);
  rpc StartContainer(StartContainerRequest) returns (Empty);
  rpc StopContainer(StopContainerRequest) returns (Empty);
  rpc RemoveContainer(RemoveContainerRequest) returns (Empty);
  rpc ListContainers(ListContainersRequest) returns (ListContainersResponse);
  rpc ContainerStatus(ContainerStatusRequest) returns (ContainerStatusResponse);
}
`;
