//! Dynamic references (`{{resolve:service:reference}}`): CloudFormation fills
//! them in at deploy time from Secrets Manager or Systems Manager, so a value
//! holding one is not a secret written into the template. They stay strings in
//! the model; policies tell them from literals with `is_dynamic_reference(s)`.

/// Services a dynamic reference can read from.
const SERVICES: &[&str] = &["secretsmanager", "ssm-secure", "ssm"];

/// True if `s` is or contains a `{{resolve:secretsmanager|ssm-secure|ssm:...}}` reference.
pub fn is_dynamic_reference(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find("{{resolve:") {
        let after = &rest[i + "{{resolve:".len()..];
        let closed = after.find("}}").is_some();
        if closed
            && SERVICES
                .iter()
                .any(|svc| after.strip_prefix(svc).is_some_and(|r| r.starts_with(':')))
        {
            return true;
        }
        rest = after;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::is_dynamic_reference;

    #[test]
    fn recognises_secret_references_only() {
        assert!(is_dynamic_reference(
            "{{resolve:secretsmanager:MyRdsSecret:SecretString:password}}"
        ));
        assert!(is_dynamic_reference(
            "{{resolve:ssm-secure:/db/password:1}}"
        ));
        assert!(is_dynamic_reference("prefix-{{resolve:ssm:/app/name}}"));
        assert!(!is_dynamic_reference("hunter2"));
        assert!(!is_dynamic_reference(
            "{{resolve:secretsmanager:unterminated"
        ));
        assert!(!is_dynamic_reference("{{resolve:vault:x}}"));
    }
}
