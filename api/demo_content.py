"""The words of the demo (`flask demo seed`, api/demo.py): a small operations team's month.

Plain data, no logic: tasks as (title, description), incidents as (title, description, severity,
replies). Addresses use the documentation domain example.com (RFC 2606), which email-validator
accepts and no real mailbox receives.
"""

from __future__ import annotations

EMAIL_DOMAIN = "example.com"

PEOPLE = [
    "ana",
    "ben",
    "chen",
    "dara",
    "eli",
    "fatima",
    "gus",
    "hana",
    "ivan",
    "jo",
    "kofi",
    "lena",
    "mateo",
    "nia",
    "omar",
    "priya",
    "quinn",
    "rosa",
    "sven",
    "tariq",
    "uma",
    "yuki",
]

TASKS = [
    (
        "Renew the TLS certificate for status.example.com",
        "The current certificate expires at the end of the month. Renew it through the ACME "
        "client on the edge box, reload nginx and check the chain with `openssl s_client`.",
    ),
    (
        "Draft the Q3 onboarding checklist",
        "New starters keep asking the same five questions in week one. Collect them from the "
        "#help channel, write the answers down and add links to the laptop and VPN guides.",
    ),
    (
        "Fix rounding in the billing export",
        "Finance reports that the CSV export rounds each line before summing, so totals are off "
        "by a few cents on large invoices. Sum first, round once, and add a test with 3 lines.",
    ),
    (
        "Run the quarterly backup restore drill",
        "Restore last night's database snapshot to the staging host, time it, and write down "
        "every step that was not in the runbook.",
    ),
    (
        "Update the on-call rota for August",
        "Two people are on holiday in the second half of August. Swap their weeks and post the "
        "new rota in the team channel before Friday.",
    ),
    (
        "Review the new vendor contract for the print service",
        "Legal sent the redlined draft. Check the SLA section (response times, credits) and the "
        "data-processing annex; list questions for the Thursday call.",
    ),
    (
        "Migrate the wiki search to the new index",
        "The old search misses pages edited after May. Rebuild the index on the new cluster, "
        "compare results for the top 20 queries, then switch the DNS name.",
    ),
    (
        "Write release notes for 2.14",
        "Summarise the merged changes for customers: the CSV import, the faster dashboard and "
        "the two fixed permission bugs. Keep it under one page.",
    ),
    (
        "Replace the meeting-room display in Atlas",
        "The screen flickers and shows the wrong calendar. The replacement is in the storeroom; "
        "mount it and pair it with the room's resource calendar.",
    ),
    (
        "Clean up stale accounts in the VPN directory",
        "23 accounts have not signed in for 90 days. Check each with its manager, disable the "
        "ones that left, and note the rest in the access review.",
    ),
    (
        "Plan the move of the build servers to the new rack",
        "Facilities can give us the rack on the 14th. Agree a window with the developers, list "
        "the cables and power needed, and plan the rollback.",
    ),
    (
        "Test the fire-alarm call list",
        "Call each number on the list during the monthly test and update the ones that went "
        "to voicemail or to someone who has left.",
    ),
    (
        "Document the laptop hand-back process",
        "When someone leaves, their laptop sits in a drawer for weeks. Write who collects it, "
        "how it is wiped, and where the asset tag is recorded.",
    ),
    (
        "Audit admin rights on the finance shared drive",
        "The auditors asked for the list of people with write access. Export it, compare with "
        "the finance org chart and remove anyone who does not need it.",
    ),
    (
        "Set up the customer survey for September",
        "Reuse last year's questions, add one about response times, and schedule the email for "
        "the first Tuesday of September.",
    ),
    (
        "Fix the broken links on the careers page",
        "Three job adverts link to a closed position. Point them at the current openings and "
        "ask HR to tell us when a posting closes.",
    ),
    (
        "Order replacement batteries for the UPS",
        "The UPS self-test reported weak batteries in two modules. Get a quote from the vendor "
        "and book the swap outside office hours.",
    ),
    (
        "Prepare the access review for the auditors",
        "Collect the quarterly sign-offs from each manager and put them in the audit folder "
        "with the export date on every file.",
    ),
    (
        "Tune the alert thresholds on the mail relay",
        "The queue-length alert fires every Monday morning when the newsletter goes out. Raise "
        "the threshold for that hour or exclude the newsletter sender.",
    ),
    (
        "Archive last year's project folders",
        "Move the 2025 project folders to the archive share, leave a read-only link in place, "
        "and free the space on the main volume.",
    ),
    (
        "Book the security awareness training",
        "Everyone must complete it by the end of the quarter. Find two dates that suit both "
        "offices and send the invitations.",
    ),
    (
        "Patch the kiosk PCs in reception",
        "They missed the last two monthly updates because they were switched off overnight. "
        "Patch them by hand and set them to wake for updates.",
    ),
    (
        "Rotate the API keys of the payment provider",
        "The keys are 14 months old. Create new ones, deploy them to production and staging, "
        "confirm traffic, then revoke the old ones.",
    ),
    (
        "Collect quotes for new headsets",
        "Support's headsets are failing one a week. Get three quotes for 20 wireless headsets "
        "with a two-year warranty.",
    ),
    (
        "Write the post-incident review for the checkout outage",
        "Timeline, impact, root cause and the three actions we agreed. Share the draft with "
        "the people who were on the call before publishing.",
    ),
    (
        "Move the team calendar to the shared mailbox",
        "The calendar lives in a former employee's mailbox. Recreate it under the team's shared "
        "mailbox and reshare it with everyone.",
    ),
    (
        "Label the network ports on floor 2",
        "Half the ports have no label since the refit. Trace and label them and update the "
        "floor plan in the wiki.",
    ),
    (
        "Set up the new starter's accounts for Monday",
        "Email, VPN, the ticket system and the HR portal. The laptop is already imaged; leave it "
        "at reception with the welcome letter.",
    ),
    (
        "Check the disaster-recovery contact sheet",
        "Make sure every supplier on the sheet still has the right phone number and contract "
        "number, and print a copy for the fire safe.",
    ),
    (
        "Reduce the size of the nightly log archive",
        "The archive grows 4 GB a night. Compress the application logs before shipping and drop "
        "the debug logs older than a week.",
    ),
    (
        "Review the guest Wi-Fi password process",
        "The password has not changed since March. Rotate it monthly and put the new one on "
        "the reception screen automatically.",
    ),
    (
        "Tidy the shared printer queue settings",
        "Duplex is off by default on three printers. Turn it on and set black and white as "
        "the default for the office floors.",
    ),
    (
        "Update the incident response runbook",
        "Add the new escalation numbers and the steps for the status page; remove the section "
        "about the old paging tool.",
    ),
    (
        "Check the expiry dates of software licences",
        "List every licence that expires in the next 90 days with its owner and cost, and send "
        "the list to finance.",
    ),
    (
        "Replace the failing disk in the file server",
        "The RAID controller marked disk 3 as predictive failure. Swap it during the lunch "
        "window and watch the rebuild.",
    ),
    (
        "Write the how-to for booking meeting rooms on mobile",
        "People keep double-booking from their phones. A short guide with screenshots of the "
        "mobile calendar, linked from the intranet home page.",
    ),
]

# Extra titles for larger seeds (`flask demo seed --tasks 500`): every pair is used once.
VERBS = ["Review", "Draft", "Fix", "Update", "Migrate", "Test", "Document", "Plan", "Audit"]
THINGS = [
    "the billing export",
    "the onboarding checklist",
    "the Q4 roadmap",
    "the login page copy",
    "the API rate limits",
    "the invoice template",
    "the search indexing job",
    "the holiday calendar",
    "the supplier list",
    "the expense policy",
    "the VPN client rollout",
    "the printer fleet",
]
EXTRA_DESCRIPTION = (
    "Part of this month's housekeeping. Check the notes from the last team meeting, agree the "
    "scope with the requester, and post a short update here when it is done."
)

# (title, description, severity, replies in order: the first is the reporter's own follow-up)
INCIDENTS = [
    (
        "VPN drops every few minutes",
        "Since about 9:00 the VPN disconnects every 3-5 minutes for everyone in sales. "
        "Reconnecting works but calls drop each time.",
        "high",
        [
            "Same for me, on both Wi-Fi and the wired dock.",
            "Looking into it. The concentrator's CPU is at 95 %.",
            "A certificate check loops after this morning's update; rolled it back.",
            "No drops for the last hour on my side.",
        ],
    ),
    (
        "Checkout page returns 500",
        "Customers get an error page after entering their card details. About one order in "
        "five fails since the 14:00 deploy.",
        "critical",
        [
            "Support has 12 tickets about it already.",
            "Reverted the 14:00 deploy; errors are back to normal.",
            "Root cause: the new tax field was required for EU cards only. Fix in review.",
        ],
    ),
    (
        "Badge reader at the side door is dead",
        "The reader shows no light and the door stays locked. People are going round to the "
        "main entrance.",
        "low",
        ["Facilities say the power supply failed; a new one arrives tomorrow."],
    ),
    (
        "Phishing email sent to the sales team",
        "Several people received an 'invoice overdue' email with a link to a fake sign-in "
        "page. At least one person clicked it.",
        "high",
        [
            "I clicked it but did not type my password.",
            "Blocked the sender and the domain; pulled the message from all mailboxes.",
            "Reset the password of the one account that entered credentials; no sign-ins seen.",
        ],
    ),
    (
        "Nightly backup job failed",
        "The backup report shows the database job failed at 02:10 with 'no space left on "
        "device' on the backup volume.",
        "medium",
        [
            "Old snapshots were not pruned after the retention change.",
            "Pruned 30 days of snapshots and re-ran the job; it finished at 07:40.",
        ],
    ),
    (
        "Shared drive is read-only",
        "Nobody can save to the projects share; Explorer says the disk is write-protected.",
        "medium",
        ["The file server remounted the volume read-only after a disk error. Checking it now."],
    ),
    (
        "Laptop stolen from a car",
        "My work laptop was taken from my car last night. It was locked and encrypted; the "
        "police report number is in the attachment I emailed.",
        "high",
        [
            "Thanks for reporting it fast. The device is locked remotely and removed from MDM.",
            "Signed you out of every session and ordered a replacement.",
        ],
    ),
    (
        "Payroll export has wrong totals",
        "The payroll export for this month shows overtime twice for the night shift.",
        "critical",
        [
            "Confirmed: the overtime rule ran twice after the rota import.",
            "Fixed the import and regenerated the export; finance checked the totals.",
        ],
    ),
    (
        "Meeting-room screens show yesterday's bookings",
        "All the room displays on floor 3 show yesterday's schedule.",
        "low",
        ["The display service lost its calendar token. Re-authorised it."],
    ),
    (
        "Status page not updating",
        "During the checkout outage the public status page still showed 'all systems operational'.",
        "medium",
        ["The status-page integration key expired last week. Renewed, and added an expiry alert."],
    ),
    (
        "Slow sign-in to the ticket system",
        "Signing in to the ticket system takes 30 seconds or more this afternoon.",
        "medium",
        ["Seeing it too, from the office and from home."],
    ),
    (
        "Server room temperature alarm",
        "The server room sensor reported 31 °C at 16:20. The door was warm to the touch.",
        "critical",
        [
            "One of the two air-conditioning units tripped. Reset it; temperature is falling.",
            "Back to 22 °C. Facilities will service both units on Monday.",
        ],
    ),
]
