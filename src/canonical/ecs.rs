//! ECS task definitions.

use super::types::{attr, Ty};
use super::Service;

const TASK: &[&str] = &["aws_ecs_task_definition"];

pub const SERVICE: Service = Service {
    types: &[("AWS::ECS::TaskDefinition", "aws_ecs_task_definition")],
    attributes: &[&[
        attr(TASK, "container_definitions", Ty::Json),
        attr(TASK, "container_definitions.environment", Ty::Blocks),
        attr(TASK, "container_definitions.environment.name", Ty::Str),
        attr(TASK, "container_definitions.environment.value", Ty::Str),
    ]],
    ..Service::NONE
};

#[cfg(test)]
mod tests {
    #[test]
    fn task_definitions_have_parity() {
        super::super::parity::assert_parity(
            "T:\n  Type: AWS::ECS::TaskDefinition\n  Properties:\n    ContainerDefinitions:\n      - Name: app\n        Environment: [{Name: PORT, Value: 8080}]\n",
            r#"resource "aws_ecs_task_definition" "t" {
              container_definitions = "[{\"name\": \"app\", \"environment\": [{\"name\": \"PORT\", \"value\": \"8080\"}]}]"
            }"#,
        );
    }
}
