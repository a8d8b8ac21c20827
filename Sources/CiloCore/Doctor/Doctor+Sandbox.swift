/// Whether `cilo run --sandbox` can confine commands on this machine.
extension Doctor {
    /// What this kernel lets `cilo run --sandbox` enforce.
    func checkSandbox() -> DoctorFinding {
        let (summary, missing) = EnvironmentSandbox.sandboxShortfall()
        guard let missing else { return DoctorFinding(.ok, "sandbox", "run --sandbox", "\(summary): all of it is enforced") }
        return DoctorFinding(.warning, "sandbox", "run --sandbox", "\(summary); \(missing)")
    }
}
