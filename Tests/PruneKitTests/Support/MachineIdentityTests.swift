import XCTest
@testable import PruneKit

final class MachineIdentityTests: XCTestCase {
    func testCPUModelIsReadFromCPUInfo() {
        let x86 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7B13  64-Core Processor\nflags\t\t: fpu\n"
        XCTAssertEqual(MachineIdentity.cpuModel(inCPUInfo: x86), "AMD EPYC 7B13 64-Core Processor")
        let arm = "processor\t: 0\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n"
        XCTAssertEqual(MachineIdentity.cpuModel(inCPUInfo: arm), "Raspberry Pi 4 Model B Rev 1.4")
        XCTAssertNil(MachineIdentity.cpuModel(inCPUInfo: "processor\t: 0\nmodel name\t:\n"))
    }
}
