"""Chinese for accounts (login, tokens, users), workers, incidents, photos and assessment."""

MESSAGES = {
    # login and tokens
    "auth.invalid_credentials": (
        "登录失败",
        "登录失败：用户名或密码错误。",
        {"Wrong username or password.": "登录失败：用户名或密码错误。"},
    ),
    "auth.throttled": (
        "登录失败次数过多",
        "该账号登录失败次数过多，请稍后再试。",
        {
            "该账号登录失败次数过多，请 {seconds} 秒后再试。": "该账号登录失败次数过多，请 {seconds} 秒后再试。"
        },
    ),
    "auth.token_expired": (
        "登录已过期",
        "令牌已过期，请重新登录。",
        {"The {kind} token has expired.": "{kind}令牌已过期，请重新登录或刷新令牌。"},
    ),
    "auth.token_invalid": (
        "令牌无效",
        "令牌无效，请重新登录。",
        {
            "refresh_token is not a valid token.": "refresh_token 不是有效的令牌。",
            "refresh_token belongs to another user.": "refresh_token 属于其他用户。",
            "Signature verification failed": "令牌签名校验失败。",
            "Not enough segments": "令牌格式不正确。",
        },
    ),
    "auth.wrong_token_type": (
        "令牌类型错误",
        "此处需要访问令牌（access token），不能使用刷新令牌。",
    ),
    "auth.token_missing": (
        "未登录",
        "请求缺少登录令牌：请先登录，并在 Authorization 请求头中带上 Bearer 令牌。",
        {
            "Missing Authorization Header": "缺少 Authorization 请求头：请先登录。",
            "Missing JWT in headers or cookies ({reasons})": (
                "缺少登录令牌（Authorization 请求头或登录 Cookie）：请先登录。（{reasons}）"
            ),
        },
    ),
    "auth.csrf_failed": (
        "请求未通过安全校验",
        "使用登录 Cookie 提交修改时须带上 X-CSRF-TOKEN 请求头：请刷新页面后重试。",
        {
            "A write with the session cookie needs the X-CSRF-TOKEN header ({reason}).": (
                "使用登录 Cookie 提交修改时须带上 X-CSRF-TOKEN 请求头：请刷新页面后重试。（{reason}）"
            )
        },
    ),
    "auth.token_revoked": ("令牌已注销", "该令牌已被注销，请重新登录。"),
    "auth.user_inactive": ("账号不可用", "该账号已不存在或已被停用。"),
    "auth.fresh_token_required": ("需要重新登录", "此操作需要重新登录后才能进行。"),
    "auth.role_forbidden": (
        "无权操作",
        "您的角色无权执行此操作。",
        {
            "This action needs one of the roles: {roles}.": "此操作需要以下角色之一：{roles}。",
            "This step belongs to the {who}.": "这一步应由{who}办理。",
            "Only a township team lead calls the county.": "只有乡镇执法队队长可以呼叫县级部门。",
            "Assessment weights are set by the county's administrators.": "考评权重由区县管理员设置。",
            "The triage queue is the county desk's.": "待分拨队列由县级平台处理。",
            "Teams are managed by the county's administrators.": "队伍由区县管理员管理。",
            "Routing is edited by the county.": "分拨规则由区县编辑。",
            "This is edited by the county.": "此项由区县编辑。",
            "Webhooks are managed by the county's administrators.": "Webhook 由区县管理员管理。",
            "The category catalogue is shared by every county: global administrators edit it.": "事件类别目录由所有区县共用，由全局管理员编辑。",
            "Only the team's lead or the county acknowledges a supervision notice.": "只有队长或区县可以签收督办通知。",
        },
    ),
    # users
    "user.weak_password": (
        "密码太弱",
        "密码太弱，容易被猜中：请使用至少 8 位、不常见、不含用户名的密码，例如几个词组成的短语。",
    ),
    "user.township_required": (
        "缺少所属乡镇",
        "该角色必须属于某个乡镇。",
        {"A {role} belongs to a township.": "{role}必须属于某个乡镇。"},
    ),
    "user.county_role_has_township": (
        "该角色不属于乡镇",
        "该角色负责整个区县，不属于某个乡镇。",
        {
            "A {role} works for the whole county; it has no township.": "{role}负责整个区县，不属于某个乡镇。"
        },
    ),
    "user.county_required": ("缺少所属区县", "只有管理员可以拥有全局范围。"),
    "user.username_taken": ("用户名已被占用", "该用户名已被占用。"),
    "user.unknown_team": (
        "队伍不存在",
        "找不到该队伍。",
        {"No team {id}.": "没有编号为 {id} 的队伍。"},
    ),
    "user.role_not_assignable": (
        "无权授予该角色",
        "您无权管理该角色的账号。",
        {
            "A {level} administrator does not manage {role} accounts.": "{level}管理员不能管理{role}账号。",
            "A {level} administrator cannot give the role {role}.": "{level}管理员不能授予{role}角色。",
        },
    ),
    "user.out_of_scope": (
        "超出管理范围",
        "您只能管理本辖区的用户。",
        {"You can only manage users of your own {level}.": "您只能管理本{level}的用户。"},
    ),
    # workers, assignments, proposals, tracks
    "worker.not_grid_worker": (
        "不是网格员",
        "该用户不是网格员。",
        {"User {id} is a {role}, not a grid_worker.": "用户 {id} 是{role}，不是网格员。"},
    ),
    "worker.township_required": (
        "网格员缺少所属乡镇",
        "该用户没有所属乡镇。",
        {"User {id} has no township.": "用户 {id} 没有所属乡镇。"},
    ),
    "worker.profile_exists": (
        "网格员档案已存在",
        "该用户已有网格员档案，请用 PATCH 修改。",
        {
            "User {id} already has a worker profile; change it with PATCH.": "用户 {id} 已有网格员档案；请用 PATCH 修改。"
        },
    ),
    "assignment.not_grid_worker": (
        "不是网格员",
        "该用户不是网格员。",
        {"User {id} is a {role}, not a grid_worker.": "用户 {id} 是{role}，不是网格员。"},
    ),
    "assignment.township_required": (
        "网格员缺少所属乡镇",
        "该用户没有所属乡镇。",
        {"User {id} has no township.": "用户 {id} 没有所属乡镇。"},
    ),
    "assignment.worker_inactive": (
        "账号已停用",
        "该网格员账号已停用。",
        {"User {id} is deactivated.": "用户 {id} 已停用。"},
    ),
    "assignment.township_mismatch": (
        "乡镇不符",
        "网格员只能分配到本乡镇的网格。",
        {
            "User {id} works in township {township}; grid {grid} lies in {other}.": "用户 {id} 在乡镇 {township} 工作；网格 {grid} 属于 {other}。",
        },
    ),
    "assignment.no_profile": (
        "缺少网格员档案",
        "该用户还没有网格员档案（请先调用 POST /api/v1/workers）。",
        {
            "User {id} has no worker profile yet (POST /api/v1/workers first).": "用户 {id} 还没有网格员档案（请先调用 POST /api/v1/workers）。"
        },
    ),
    "assignment.future_start": ("开始时间在未来", "网格分配的开始时间不能在未来。"),
    "assignment.is_primary": (
        "该网格员是主责网格员",
        "该用户是此网格的主责网格员，请先指定另一名主责网格员。",
        {
            "User {id} is the grid's primary worker; assign another primary first.": "用户 {id} 是此网格的主责网格员；请先指定另一名主责网格员。"
        },
    ),
    "assignment.starts_before_current": (
        "开始时间早于现有分配",
        "valid_from 早于当前分配的开始时间。",
        {
            "valid_from lies before the start of the current assignment {id}.": "valid_from 早于当前分配 {id} 的开始时间。"
        },
    ),
    "assignment.primary_taken": (
        "主责网格员已被他人指定",
        "该网格刚被他人同时分配，请重新读取。",
        {
            "Grid {code} was assigned by someone else at the same moment; read it again.": "网格 {code} 刚被他人同时分配；请重新读取。"
        },
    ),
    "assignment.bad_end": ("结束时间无效", "valid_to 必须介于分配开始时间与当前时间之间。"),
    "proposal.worker_not_eligible": (
        "网格员不符合条件",
        "部分用户不是本乡镇有档案的在岗网格员。",
        {
            "Not active grid workers with a profile in township {township}: {ids}.": "以下用户不是乡镇 {township} 有档案的在岗网格员：{ids}。"
        },
    ),
    "proposal.no_workers": (
        "没有可分配的网格员",
        "该乡镇没有有档案的在岗网格员。",
        {
            "Township {township} has no active grid worker with a profile.": "乡镇 {township} 没有有档案的在岗网格员。"
        },
    ),
    "proposal.no_vacant_grids": (
        "没有空缺网格",
        "该乡镇每个网格都已有主责网格员。",
        {
            "Every grid of township {township} has a primary worker.": "乡镇 {township} 的每个网格都已有主责网格员。"
        },
    ),
    "proposal.already_accepted": ("方案已采纳", "该分配方案已被采纳。"),
    "proposal.superseded": ("方案已被替代", "已有更新的分配方案替代了此方案，请采纳新方案。"),
    "proposal.unknown_grid": (
        "网格不在方案中",
        "部分网格不在此分配方案中。",
        {"Grids not in this proposal: {grids}.": "以下网格不在此分配方案中：{grids}。"},
    ),
    "proposal.stale": (
        "方案已过时",
        "方案生成后网格已发生变化，请重新生成方案。",
        {
            "Grids changed since the proposal was made (gone or assigned): {grids}; make a new proposal.": "方案生成后以下网格已变化（已删除或已分配）：{grids}；请重新生成方案。"
        },
    ),
    "track.too_many_points": (
        "轨迹点过多",
        "单次请求的轨迹点数量超过上限，请分批上传。",
        {
            "At most {limit} track points per request; split the batch.": "每次请求最多 {limit} 个轨迹点；请分批上传。"
        },
    ),
    "track.role_forbidden": ("无权上传轨迹", "只有网格员可以上传巡查轨迹。"),
    "track.bad_point": ("轨迹点格式错误", "轨迹点应为包含 t、lon、lat 的对象。"),
    "track.bad_time": ("时间格式错误", "t 必须是带时区偏移的 RFC 3339 时间。"),
    "track.future_time": (
        "时间在未来",
        "轨迹点的时间在未来，请检查手机时钟。",
        {"t ({t}) lies in the future.": "t（{t}）在未来，请检查手机时钟。"},
    ),
    "track.too_old": (
        "轨迹点过旧",
        "轨迹点的时间过早，不再接收。",
        {"t is more than {days} days old.": "t 早于 {days} 天前，不再接收。"},
    ),
    "track.bad_accuracy": ("精度值无效", "accuracy_m 必须是大于或等于 0 的数字。"),
    # incidents
    "incident.unknown_category": (
        "事件类别不存在",
        "没有该事件类别，可通过 GET /api/v1/categories 查看全部类别。",
        {
            "Unknown category {code}; GET /api/v1/categories lists them.": "没有事件类别 {code}；可通过 GET /api/v1/categories 查看全部类别。"
        },
    ),
    "incident.category_inactive": (
        "事件类别已停用",
        "该事件类别已停用。",
        {"Category {code} is no longer in use.": "事件类别 {code} 已停用。"},
    ),
    "incident.outside_jurisdiction": (
        "位置不在辖区内",
        "事件位置不在您的辖区内。",
        {
            "The location lies outside every county this service covers.": "事件位置不在本系统覆盖的任何区县内。",
            "The location lies outside your county ({county}).": "事件位置不在您所在的区县（{county}）内。",
        },
    ),
    "incident.reported_at_future": (
        "上报时间在未来",
        "reported_at 在未来，请检查手机时钟。",
        {
            "reported_at lies more than {ahead} in the future; check the phone's clock.": "reported_at 比服务器时间晚了超过 {ahead}；请检查手机时钟。"
        },
    ),
    "incident.reported_at_too_old": (
        "上报时间过早",
        "reported_at 过早，此类上报不再接收。",
        {
            "reported_at is older than {days} days; such reports are no longer accepted.": "reported_at 早于 {days} 天前；此类上报不再接收。"
        },
    ),
    "incident.not_fixable_on_site": (
        "该类别不可自处置",
        "权责清单未将该类别标为可当场处置（自处置），请不带 resolved_on_site 上报。",
        {
            "The responsibility list does not mark category {category} as fixable on the spot; report it without resolved_on_site.": "权责清单未将类别 {category} 标为可当场处置；请不带 resolved_on_site 上报。"
        },
    ),
    "incident.on_site_grid_worker_only": (
        "仅网格员可上报自处置",
        "只有网格员可以上报当场处置（resolved_on_site）的事件。",
    ),
    "incident.client_id_reused": (
        "client_id 已被使用",
        "该 client_id 已用于另一条不同的上报，新上报请生成新的 UUID。",
        {
            "client_id {id} was already used for a different report; generate a new UUID for a new report.": "client_id {id} 已用于另一条不同的上报；新上报请生成新的 UUID。"
        },
    ),
    "incident.original_required": (
        "请指定原事件",
        "请指定本事件所重复的原事件（original_id）；本事件未被标记为疑似重复。",
    ),
    "incident.duplicate_of_self": ("不能重复自身", "事件不能标记为自身的重复。"),
    "incident.duplicate_cycle": ("重复关系成环", "这样会形成循环的重复关系。"),
    "incident.invalid_transition": (
        "当前状态不允许",
        "事件当前的状态不允许标记为重复。",
        {
            "An incident in status {status} can no longer be marked a duplicate.": "状态为“{status}”的事件不能再标记为重复。"
        },
    ),
    "incident.original_rejected": (
        "原事件已不予立案",
        "原事件已不予立案，不能作为重复的对象。",
        {
            "Incident {id} was rejected; a report cannot repeat a case that never was.": "事件 {id} 已不予立案；上报不能重复一个未立案的事件。"
        },
    ),
    "incident.not_flagged": ("未标记为疑似重复", "该事件未被标记为疑似重复。"),
    "category.exists": (
        "事件类别已存在",
        "该事件类别已存在。",
        {"Category {code} exists already.": "事件类别 {code} 已存在。"},
    ),
    "category.invalid_class": ("大类编码不符", "class_code 必须是 code 的前两位。"),
    "category.invalid_hours": (
        "时限设置有误",
        "resolution_hours（处置时限）不能短于 response_hours（响应时限）。",
    ),
    # photos
    "photo.invalid": ("照片无效", "照片无法使用。"),
    "photo.too_large": (
        "照片过大",
        "照片超过大小上限，请发送较小的照片。",
        {
            "The photo is larger than {mib} MiB; send a smaller one.": "照片超过 {mib} MiB；请发送较小的照片。"
        },
    ),
    "photo.too_many_pixels": (
        "照片像素过多",
        "照片像素过多。",
        {
            "The image has {width}×{height} pixels; at most {limit} are accepted.": "照片为 {width}×{height} 像素；最多接受 {limit} 像素。",
            "The image has too many pixels.": "照片像素过多。",
        },
    ),
    "photo.unsupported_type": (
        "不支持的照片格式",
        "只接受 JPEG、PNG 和 WebP 照片（按内容识别，而非文件名）。",
    ),
    "photo.corrupt": ("照片已损坏", "照片已损坏或不完整；请重新拍摄或发送。"),
    "photo.unprocessable": ("照片无法处理", "照片无法转换用于显示；请发送普通相机照片。"),
    "photo.kind_forbidden": (
        "无权添加该类照片",
        "您的角色不能添加此类照片。",
        {"A {role} cannot add {kind} photos.": "{role}不能添加{kind}照片。"},
    ),
    "photo.too_many": (
        "照片数量已达上限",
        "该事件的照片数量已达上限。",
        {"An incident holds at most {limit} photos.": "每个事件最多 {limit} 张照片。"},
    ),
    # assessment
    "assessment.county_required": ("请指定区县", "请指定区县（county）。"),
    "assessment.township_required": ("请指定乡镇", "请指定乡镇（township）。"),
    "assessment.period_incomplete": ("考评周期不完整", "自定义周期需要同时填写 from 和 to。"),
    "assessment.period_range": (
        "考评周期有误",
        "to 不能早于 from，且周期不能过长。",
        {
            "to must be on or after from, at most {days} days.": "to 不能早于 from，且周期最多 {days} 天。"
        },
    ),
    "assessment.period_too_long": (
        "周期过长",
        "巡查统计的周期过长。",
        {"Patrol figures cover at most {days} days.": "巡查统计最多覆盖 {days} 天。"},
    ),
    "assessment.period_unknown": (
        "未知的考评周期",
        "无法识别该考评周期。",
        {"Unknown period {kind}.": "无法识别的考评周期 {kind}。"},
    ),
    "assessment.recompute_range": (
        "重算范围有误",
        "只有区县管理员可以重算，且需给出日期范围（from ≤ to）。",
    ),
    "assessment.recompute_too_long": (
        "重算范围过长",
        "一次重算的日期范围过长。",
        {"A recompute covers at most {days} days.": "一次重算最多覆盖 {days} 天。"},
    ),
    "recompute.not_found": ("重算任务不存在", "找不到该重算任务。"),
    "recompute.processing_error": ("重算失败", "重算考评数据时发生意外错误。"),
    "recompute.too_many_attempts": ("多次重算失败", "重算多次失败，已停止重试。"),
    "assessment.stationed_unknown": (
        "派驻机构设置有误",
        "派驻机构及其上级部门必须是本区县的队伍，且上级必须是县级部门。",
    ),
    "assessment.weights_unknown": (
        "权重设置有误",
        "indicator_weights 中的指标名称或权重不正确。",
        {
            "indicator_weights name rates ({rates}) with weights >= 0.": "indicator_weights 只能包含以下指标（{rates}），且权重须大于或等于 0。"
        },
    ),
    "assessment.weights_version_exists": (
        "该日已有权重版本",
        "已有一个版本从这一天开始生效；请用另一个 effective_from 新增版本。",
    ),
    # personal API tokens (QGIS)
    "api_token.expiry_past": ("到期时间已过", "令牌的到期时间必须晚于现在。"),
    "api_token.too_many": (
        "令牌过多",
        "每个用户的 API 令牌数量已达上限，请先撤销一个。",
        {
            "at most {limit} tokens per user: revoke one first": "每个用户最多 {limit} 个令牌，请先撤销一个。",
        },
    ),
    "auth.token_read_only": (
        "API 令牌只能读取",
        "API 令牌只能用于读取数据；如需修改，请用密码登录。",
    ),
    # maps: tiles, OGC API - Features, downloads
    "tile.out_of_range": (
        "瓦片不存在",
        "请求的瓦片坐标超出范围。",
        {
            "tile {tile} does not exist (0 <= z <= {max_zoom}, 0 <= x, y < 2^z)": "瓦片 {tile} 不存在（0 <= z <= {max_zoom}，0 <= x、y < 2^z）。",
        },
    ),
    "tile.zoom_out_of_range": (
        "该缩放级别没有瓦片",
        "该图层在此缩放级别不提供瓦片。",
        {
            "the {layer} layer is served from zoom {low} to {high}": "图层 {layer} 只在缩放级别 {low} 到 {high} 之间提供瓦片。",
        },
    ),
    "ogc.invalid_datetime": (
        "时间格式有误",
        "datetime 参数须为 RFC 3339 格式的时间或时间段。",
        {
            "datetime {value} is not RFC 3339": "datetime {value} 不是 RFC 3339 格式。",
            "datetime needs a time zone offset": "datetime 须带时区偏移（如 +08:00）。",
        },
    ),
    "download.empty": ("没有可下载的内容", "该图层没有可下载的要素。"),
    "download.too_large": (
        "下载内容过多",
        "要素数量超过下载上限，请一次下载一个图层。",
        {
            "more than {limit} features: ask for one layer at a time": "超过 {limit} 个要素，请一次下载一个图层。",
        },
    ),
}
