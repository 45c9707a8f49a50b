import Contracts
import Control
import Testing

/// Reading settlement files (no servers).
struct SettlementFileTests {
    @Test func theERPFormatGivesOneLinePerRowAndARepeatedRowIsItsNextOccurrence() throws {
        let text = """
            order,type,gross,fee,refund,net,payout_date,currency
            E1,order,100.00,3.00,0,97.00,2026-11-25,CNY
            ,adjustment,-5.00,0,0,-5.00,2026-11-25,CNY
            E1,order,100.00,3.00,0,97.00,2026-11-25,CNY

            """
        let read = try SettlementFile.read(text, format: .erp)
        #expect(read.lines.map(\.row) == [2, 3, 4])
        #expect(read.lines.map(\.occurrence) == [0, 0, 1])
        #expect(read.lines[1].kind == .adjustment)
        #expect(read.lines[1].externalId == nil)
        #expect(read.lines[0].net == Money(minorUnits: 9_700, currency: .cny))
    }

    @Test func everyBadRowIsNamedAndTheFileIsRefusedWhole() throws {
        let text = """
            order,type,gross,fee,refund,net,payout_date,currency
            E1,order,100.00,3.00,0,90.00,2026-11-25,CNY
            E2,sale,1,0,0,1,2026-11-25,CNY
            E3,order,1.001,0,0,1.001,2026-11-25,CNY
            ,order,1,0,0,1,2026-11-25,CNY
            E5,order,1,0,0,1,25/11/2026,CNY
            E6,order,1,0,0,1,2026-11-25,QQQ
            """
        var problems: [String] = []
        do { _ = try SettlementFile.read(text, format: .erp) } catch let error as SettlementFile.Problems { problems = error.problems }
        #expect(problems.count == 6, "\(problems)")
        #expect(problems.first == "line 2: net 90.00 CNY is not gross − fee − refund = 97.00 CNY")
        #expect(problems[1] == "line 3: type 'sale' is not order or adjustment")
        #expect(problems[3] == "line 5: an order line names its order")
        #expect(problems[4] == "line 6: payout date '25/11/2026' is not YYYY-MM-DD")
    }

    @Test func aFileWithoutTheHeaderIsRefusedNamingWhatIsMissing() throws {
        var problems: [String] = []
        do { _ = try SettlementFile.read("order,gross\nE1,1\n", format: .erp) } catch let error as SettlementFile.Problems {
            problems = error.problems
        }
        #expect(problems.first?.contains("the header lacks type, fee, refund, net, payout_date, currency") == true, "\(problems)")
    }

    @Test func shopifysExportMapsChargesRefundsAndAdjustmentsAndSkipsPayouts() throws {
        let text = """
            Transaction Date,Type,Order,Card Brand,Payout Status,Payout Date,Payout ID,Amount,Fee,Net,Currency
            2026-11-20 10:00:00 +0800,charge,#1001,visa,paid,2026-11-25,88,120.00,3.78,116.22,CNY
            2026-11-21 10:00:00 +0800,refund,#1001,visa,paid,2026-11-25,88,-20.00,0.00,-20.00,CNY
            2026-11-22 10:00:00 +0800,chargeback,#1002,visa,paid,2026-11-25,88,-50.00,15.00,-65.00,CNY
            2026-11-25 10:00:00 +0800,payout,,,paid,2026-11-25,88,-31.22,0.00,-31.22,CNY
            2026-11-26 10:00:00 +0800,charge,#1003,visa,pending,,,80.00,2.52,77.48,CNY
            """
        let read = try SettlementFile.read(text, format: .shopify)
        #expect(read.skipped == 2)
        #expect(read.lines.map(\.kind) == [.order, .order, .adjustment])
        #expect(read.lines.map(\.externalId) == ["1001", "1001", "1002"])
        #expect(read.lines[1].refund == Money(minorUnits: 2_000, currency: .cny))
        #expect(read.lines[1].gross == Money(minorUnits: 0, currency: .cny))
        #expect(read.lines[2].gross == Money(minorUnits: -5_000, currency: .cny))
    }
}
