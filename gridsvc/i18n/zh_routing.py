"""Chinese for routing: the case workflow, 乡呼县应 calls, teams, the responsibility list, zones,
notices and webhooks."""

MESSAGES = {
    "routing.county_required": (
        "请指定区县",
        "请指定区县（county）。",
        {
            "The triage queue is per county.": "待分拨队列按区县划分，请指定区县。",
            "Name the county (county=).": "请指定区县（county=）。",
            "A global admin must name the county.": "全局管理员必须指定区县。",
        },
    ),
    "routing.out_of_scope": ("超出管理范围", "您只能管理本区县。"),
    # the case workflow
    "case.not_found": ("案件不存在", "该事件尚未形成案件。"),
    "workflow.not_routed": ("事件尚未分拨", "该事件尚未分拨。"),
    "workflow.invalid_transition": (
        "当前状态不允许此操作",
        "案件当前的状态不允许此操作。",
        {
            "{action} is not possible while the case is {status}.": "案件处于“{status}”状态时，不能进行“{action}”操作。"
        },
    ),
    "workflow.not_your_case": (
        "不是您承办的案件",
        "您不是该案件此操作的办理方。",
        {
            "{action} belongs to: {who} (team lead); you are not that party for this case.": "“{action}”操作应由{who}（队长）办理；您不是该案件的这一方。",
            "{action} belongs to: {who}; you are not that party for this case.": "“{action}”操作应由{who}办理；您不是该案件的这一方。",
            "Only the county dispatches a case to another team.": "只有区县可以将案件派遣给其他队伍。",
            "Your team does not handle this case.": "您的队伍不承办该案件。",
        },
    ),
    "workflow.note_required": (
        "请填写理由",
        "此操作需要填写理由（note）。",
        {
            "{action} needs a reason (note).": "“{action}”操作需要填写理由（note）。",
            "Say why the county is called.": "请说明呼叫县级部门的理由。",
        },
    ),
    "workflow.assignee_not_in_team": ("被指派人不在队伍中", "被指派人必须是承办队伍的在岗成员。"),
    "workflow.team_required": ("请指定队伍", "请指定派遣的队伍（案件处于待分拨状态）。"),
    "workflow.unknown_team": ("队伍无效", "不是本区县的在用队伍。"),
    "workflow.assignee_required": ("请指定执法队员", "请指定执法队员。"),
    "workflow.unknown_photo": (
        "照片无效",
        "部分照片不是本事件的此类照片。",
        {"Not {kind} photos of this incident: {ids}.": "以下照片不是本事件的{kind}照片：{ids}。"},
    ),
    "workflow.evidence_required": (
        "缺少处置证据",
        "处置反馈需要证据：请上传照片（kind=evidence）并在 photo_ids 中列出。",
    ),
    "workflow.satisfaction_required": ("请填写满意度", "评价需要填写 1 到 5 的满意度。"),
    "workflow.extension_hours": ("延期时长有误", "延期时长应为 1 到 720 小时。"),
    "workflow.extension_pending": ("已有待审批的延期申请", "已有一个延期申请在等待审批。"),
    "workflow.no_pending_extension": ("没有待审批的延期申请", "没有等待审批的延期申请。"),
    # 乡呼县应 calls
    "call.not_your_department": ("不是您部门的呼叫", "只有该呼叫所派遣的部门可以办理此操作。"),
    "call.not_caller": ("不是发起呼叫的乡镇", "只有发起呼叫的乡镇可以评价答复。"),
    "call.invalid_transition": (
        "当前状态不允许此操作",
        "呼叫当前的状态不允许此操作。",
        {
            "A call in status {status} does not allow {action}.": "处于“{status}”状态的呼叫不能进行“{action}”操作。"
        },
    ),
    "call.reason_required": ("请填写理由", "请说明不予受理该呼叫的理由。"),
    "call.department_required": ("请指定主办部门", "请指定主办部门。"),
    "call.department_twice": ("主办部门不能同时协办", "主办部门不能同时作为协办部门。"),
    "call.rating_required": ("评分无效", "评分应为 1 到 5 的整数。"),
    "call.already_rated": (
        "已评价",
        "该呼叫已评价过。",
        {
            "The township has rated this call already.": "乡镇已评价过该呼叫。",
            "The department has rated this call already.": "部门已评价过该呼叫。",
        },
    ),
    "call.invalid_status": (
        "当前状态不能呼叫",
        "事件当前的状态不能呼叫县级部门。",
        {
            "An incident in status {status} cannot be called up to the county.": "状态为“{status}”的事件不能呼叫县级部门。"
        },
    ),
    "call.already_open": ("已有进行中的呼叫", "该案件已有一个进行中的呼叫。"),
    "call.unknown_department": ("部门无效", "不是本区县的县级部门。"),
    # teams and members
    "team.township_outside_county": ("乡镇不在本区县", "队伍只能服务本区县的乡镇。"),
    "team.unknown_township": (
        "乡镇不存在",
        "部分乡镇不存在。",
        {"Unknown township(s): {codes}.": "以下乡镇不存在：{codes}。"},
    ),
    "team.township_taken": (
        "乡镇已有队伍",
        "该乡镇已由其他队伍服务。",
        {"{code} is already served by {name}": "{code} 已由 {name} 服务"},
    ),
    "team.township_required": ("请指定乡镇", "乡镇队伍需要指定所属乡镇。"),
    "team.department_has_no_parent": (
        "县级部门没有上级部门",
        "县级部门直接对区县负责，不能设置上级部门。",
        {
            "A county department answers to no other department.": "县级部门直接对区县负责，不能设置上级部门。"
        },
    ),
    "team.department_has_no_township": (
        "县级部门不属于乡镇",
        "县级部门服务整个区县，不属于某个乡镇。",
        {
            "A county department serves the whole county; it has no township.": "县级部门服务整个区县，不属于某个乡镇。",
            "A county department has no townships.": "县级部门不属于任何乡镇。",
        },
    ),
    "team.code_taken": (
        "队伍编码已被占用",
        "该队伍编码已被占用。",
        {"Team code {code} is taken in {county}.": "队伍编码 {code} 在 {county} 已被占用。"},
    ),
    "team.member_role": (
        "角色不能加入该队伍",
        "该角色不能加入此类队伍。",
        {"A {role} cannot join a {kind}.": "{role}不能加入{kind}。"},
    ),
    "team.member_outside_team_area": ("成员不在队伍辖区", "该用户的工作地不在此队伍服务的乡镇内。"),
    "team.member_forbidden": ("无权管理成员", "乡镇管理员只能管理本乡镇队伍的成员。"),
    "team.member_not_found": ("成员不存在", "找不到该队伍成员。"),
    # the responsibility list (属地管理事项清单)
    "responsibility.unknown_department": (
        "部门无效",
        "部门不存在或不适用。",
        {
            "{department} is not a department of county {county}.": "{department} 不是区县 {county} 的部门。"
        },
    ),
    "responsibility.unknown_category": (
        "事件类别不存在",
        "没有该事件类别。",
        {
            "Unknown category {code}.": "没有事件类别 {code}。",
            "Unknown categories: {codes}.": "没有这些事件类别：{codes}。",
        },
    ),
    # 权责事项 catalogue, delegations and their files
    "catalogue.delegation_exists": (
        "该日已有下放记录",
        "该乡镇在这一天已有该事项的下放记录；请换一个生效日期。",
        {
            "Delegation #{id} already starts on that day for that township with another form or batch; use another effective date.": "下放记录 #{id} 已在这一天对该乡镇生效（承接方式或批次不同）；请换一个生效日期。",
        },
    ),
    "catalogue.file_columns": (
        "表头不符",
        "文件中找不到所需的表头列。",
        {
            "No header row with the columns {names} in the first {rows} rows.": "前 {rows} 行中没有包含 {names} 这些列的表头行。",
        },
    ),
    "catalogue.file_encoding": ("文件编码无法识别", "文件既不是 UTF-8 也不是 GB18030 编码的文本。"),
    "catalogue.file_too_large": (
        "文件过大",
        "上传的文件过大。",
        {"The file exceeds {limit} bytes.": "文件超过 {limit} 字节。"},
    ),
    "catalogue.file_unreadable": (
        "文件无法读取",
        "文件不是可以读取的 XLSX 工作簿。",
        {
            "The file is not a readable XLSX workbook ({error}).": "文件不是可以读取的 XLSX 工作簿（{error}）。",
            "The workbook's sheet cannot be read ({error}).": "无法读取工作簿中的工作表（{error}）。",
        },
    ),
    "catalogue.item_exists": (
        "事项编码已存在",
        "已有事项使用这个编码。",
        {"Item #{id} already has the code {code}.": "事项 #{id} 已使用编码 {code}。"},
    ),
    "catalogue.rows_invalid": (
        "文件中有错误的行",
        "文件中有错误的行，未导入任何内容。",
        {
            "{count} row(s) are wrong (first: row {row}); nothing was imported.": "有 {count} 行有误（第一处：第 {row} 行），未导入任何内容。",
        },
    ),
    "catalogue.too_many_rows": (
        "行数过多",
        "文件的行数超过上限。",
        {"At most {limit} rows.": "最多 {limit} 行。"},
    ),
    "catalogue.unknown_township": (
        "乡镇不存在",
        "其中有不是本区县现行乡镇的编码。",
        {
            "Not a current township of county {county}: {codes}.": "以下编码不是区县 {county} 的现行乡镇：{codes}。",
        },
    ),
    "proposal.already_decided": (
        "建议已处理",
        "该建议已经处理过。",
        {
            "The proposal was already accepted.": "该建议已被采纳。",
            "The proposal was already rejected.": "该建议已被驳回。",
            "The proposal was already {decision}.": "该建议已处理（{decision}）。",
        },
    ),
    "proposal.effective_in_past": (
        "生效日期须在今天之后",
        "建议的新版本须在今天之后生效（已生效的事项属于历史记录）。",
    ),
    "proposal.township_only": (
        "只有乡镇可以提出建议",
        "修改建议由乡镇管理员提出；区县直接编辑本级清单。",
    ),
    "team.unknown_department": (
        "上级部门无效",
        "派驻机构的上级必须是本区县的县级部门。",
    ),
    "workflow.assist_pending": (
        "协办方尚未反馈",
        "协办方还没有记录其处置情况（协办）。",
    ),
    "workflow.not_fixable_on_site": (
        "该类别不能即知即改",
        "责任清单没有把这个事件类别列为可现场自行处置。",
    ),
    "workflow.on_site_photos_required": (
        "缺少处置前后照片",
        "现场自行处置须在 photo_ids 中附上本事件的一张处置前照片（kind=report）和一张处置后照片（kind=verification），不能有其他照片。",
    ),
    "workflow.override_forbidden": (
        "无权提前结案",
        "协办方反馈之前，只有区县调度员可以给联合执法案件结案。",
    ),
    "responsibility.version_exists": (
        "该日已有版本",
        "该事件类别在这一天已有生效的事项；请编辑该事项。",
        {
            "Entry #{id} already starts on that day for that category; edit it instead.": "事项 #{id} 已在这一天对该类别生效；请直接编辑它。"
        },
    ),
    "responsibility.entry_in_force": (
        "事项已生效",
        "该事项已生效或曾经生效，是分拨决定引用的历史记录；请新增一个生效日期更晚的版本。",
    ),
    "responsibility.effective_in_past": ("不能追溯生效", "修改不能使事项追溯生效。"),
    "responsibility.csv_encoding": ("CSV 编码无法识别", "文件既不是 UTF-8 也不是 GB18030 文本。"),
    "responsibility.csv_too_large": (
        "CSV 文件过大",
        "CSV 文件超过大小上限。",
        {"The CSV exceeds {limit} bytes.": "CSV 文件超过 {limit} 字节。"},
    ),
    "responsibility.csv_columns": (
        "CSV 缺少列",
        "CSV 文件缺少必需的列。",
        {"Missing column(s): {columns}.": "缺少以下列：{columns}。"},
    ),
    "responsibility.csv_too_many_rows": (
        "CSV 行数过多",
        "CSV 文件行数超过上限。",
        {"At most {limit} rows.": "最多 {limit} 行。"},
    ),
    "responsibility.csv_invalid": (
        "CSV 内容有误",
        "CSV 文件中有错误行，未导入任何内容。",
        {
            "{n} line(s) of the CSV are wrong; nothing was imported.": "CSV 文件中有 {n} 行有误；未导入任何内容。"
        },
    ),
    # zones
    "zone.too_many_vertices": (
        "顶点过多",
        "责任区域的顶点数超过上限。",
        {"At most {limit} vertices per zone.": "每个责任区域最多 {limit} 个顶点。"},
    ),
    "zone.buffer_for_lines_only": ("缓冲距离仅用于道路线", "buffer_m 只适用于道路线。"),
    "zone.invalid_geometry": (
        "多边形无效",
        "责任区域的多边形无效。",
        {"The polygon is not valid: {reason}.": "多边形无效：{reason}。"},
    ),
    "zone.buffer_required": (
        "请填写缓冲距离",
        "道路责任区域需要填写 buffer_m（道路中心线两侧的米数）。",
    ),
    "zone.geometry_type": (
        "几何类型不支持",
        "责任区域必须是面或线（Polygon、MultiPolygon、LineString 或 MultiLineString）。",
        {
            "A zone is a Polygon, MultiPolygon, LineString or MultiLineString, not {type}.": "责任区域必须是 Polygon、MultiPolygon、LineString 或 MultiLineString，不能是 {type}。"
        },
    ),
    "zone.unknown_team": ("队伍无效", "队伍必须是本区县的队伍。"),
    # notices and webhooks
    "notification.nothing_to_mark": ("请指定通知", "请给出 ids 或 all=true。"),
    "webhook.bad_url": ("网址无效", "网址必须是 https://主机/… 的形式。"),
    "webhook.https_required": ("必须使用 https", "Webhook 只能通过 https 发送。"),
    "webhook.host_unresolvable": ("主机名无法解析", "网址中的主机名无法解析。"),
    "webhook.address_not_allowed": (
        "地址不允许",
        "网址的主机解析到了 Webhook 不允许访问的地址：只允许公网地址。",
        {
            "The URL's host resolves to an address webhooks may not reach ({reason}): only public addresses are allowed.": "网址的主机解析到了 Webhook 不允许访问的地址（{reason}）：只允许公网地址。",
        },
    ),
}
