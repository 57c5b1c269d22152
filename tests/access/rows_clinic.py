from .matrix import Row, everyone, only

ROWS = {
    # home redirects every logged-in role to its workspace; visitors see the landing page.
    "home": Row(anon=200, patient=302, other_patient=302, practitioner=302, front_desk=302, manager=302),
    "login": Row(anon=200, patient=302, other_patient=302, practitioner=302, front_desk=302, manager=302),
    "logout": everyone(405),  # POST only
    "password_change": only("patient", "practitioner", "front_desk", "manager"),
    "password_change_done": only("patient", "practitioner", "front_desk", "manager"),
    "password_reset": everyone(200),
    "password_reset_done": everyone(200),
    "password_reset_confirm": everyone(200, kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"}),
    "password_reset_complete": everyone(200),
    "clinic:manager_home": only("manager"),
    "clinic:staff_create": only("manager"),
    "clinic:audit_log": only("manager"),
    "clinic:audit_log_csv": only("manager"),
    # The admin checks is_staff itself; only managers are staff.
    "admin:index": Row(anon=302, patient=302, other_patient=302, practitioner=302, front_desk=302, manager=200),
}
